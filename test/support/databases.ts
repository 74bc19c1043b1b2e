import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DatabaseConfig } from '../../src/storage/database.js';

/** A database for one test file: a temporary SQLite directory, or a fresh PostgreSQL database dropped afterwards. */
export interface TestDatabase {
  config: DatabaseConfig;
  drop(): Promise<void>;
}

export interface DialectUnderTest {
  name: 'sqlite' | 'postgres';
  create(): Promise<TestDatabase>;
}

async function createPostgres(baseUrl: string): Promise<TestDatabase> {
  const name = `samsvar_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    config: { databaseUrl: url.toString(), dataDir: mkdtempSync(path.join(tmpdir(), 'samsvar-pg-')) },
    async drop() {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** SQLite always; PostgreSQL whenever DATABASE_URL is set (.ci/run sets it to the local server). */
export function dialectsUnderTest(): DialectUnderTest[] {
  const list: DialectUnderTest[] = [
    {
      name: 'sqlite',
      async create() {
        const dir = mkdtempSync(path.join(tmpdir(), 'samsvar-db-'));
        return { config: { dataDir: dir }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
      },
    },
  ];
  const url = process.env.DATABASE_URL;
  if (url) list.push({ name: 'postgres', create: () => createPostgres(url) });
  return list;
}
