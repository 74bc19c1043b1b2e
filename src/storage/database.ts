import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  type Driver,
  type Migration,
  type MigrationProvider,
  type SqliteDialectConfig,
} from 'kysely';
import pg from 'pg';
import { SamsvarError } from '../core/samsvar-error.js';
import type { SqlDialect } from './dialect.js';
import { MIGRATIONS, type SamsvarMigration } from './migrations/index.js';
import type { CoreTables } from './schema.js';

export interface DatabaseConfig {
  /** postgres://… selects PostgreSQL; otherwise the embedded SQLite file in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  /** Only for tests: an in-memory SQLite database. */
  memory?: boolean;
}

export interface Database<T = CoreTables> {
  db: Kysely<T>;
  dialect: SqlDialect;
  close(): Promise<void>;
}

export const SQLITE_FILE = 'samsvar.sqlite';

/**
 * SQLite runs in WAL mode with synchronous=FULL: in WAL mode NORMAL syncs only at checkpoints, so a
 * power loss after COMMIT can drop the last transactions. The service answers 2xx only after
 * COMMIT, and "a crash after a 2xx must not lose it" means each commit must reach the disk: FULL
 * fsyncs the WAL on every commit. The cost is one fsync per write request, small next to validation.
 */
function openSqlite(config: DatabaseConfig): Kysely<any> {
  let file = ':memory:';
  if (!config.memory) {
    mkdirSync(config.dataDir, { recursive: true });
    file = path.join(config.dataDir, SQLITE_FILE);
  }
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  // Another process (the admin CLI) may hold the write lock for a moment.
  sqlite.pragma('busy_timeout = 5000');
  return new Kysely<any>({ dialect: new RollbackSafeSqliteDialect(sqlite) });
}

/** Prepared statements kept per SQL text; the service's queries are a few hundred distinct texts. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * kysely's SQLite driver prepares every query anew, and preparing (parsing and planning the SQL)
 * cost more than running the small statements of a request: a submission spent about 1 ms of the
 * request thread in prepare(). The same SQL text gets the same prepared statement back. One
 * connection runs one query at a time (kysely's mutex), so a statement is never in use twice.
 */
function withStatementCache(sqlite: BetterSqlite3.Database): SqliteDialectConfig['database'] {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (stmt) {
        // Most recently used last, so the oldest entry is the first to go.
        cache.delete(sql);
      } else {
        stmt = sqlite.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, stmt);
      return stmt;
    },
  } as SqliteDialectConfig['database'];
}

/**
 * SQLite rolls a transaction back by itself on some errors (SQLITE_FULL: the disk is full); kysely's
 * own ROLLBACK then fails with "no transaction is active" and that error would replace the one that
 * says what happened. Rolling back only a transaction that is still open keeps the real error.
 */
class RollbackSafeSqliteDialect extends SqliteDialect {
  constructor(private readonly sqlite: BetterSqlite3.Database) {
    super({ database: withStatementCache(sqlite) });
  }

  override createDriver(): Driver {
    const driver = super.createDriver();
    const rollback = driver.rollbackTransaction.bind(driver);
    driver.rollbackTransaction = async (connection) => {
      if (this.sqlite.inTransaction) await rollback(connection);
    };
    return driver;
  }
}

function openPostgres(url: string): Kysely<any> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle connection the server ends (a restart, a failover, an administrator) is an 'error'
  // event on the pool; unheard, it would end the process. The pool drops that connection and the
  // next query opens a fresh one, so saying so is all there is to do.
  pool.on('error', (e) => console.error(`samsvar: an idle PostgreSQL connection was closed by the server: ${e.message}`));
  return new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
}

export function dialectOf(config: DatabaseConfig): SqlDialect {
  return config.databaseUrl && /^postgres(ql)?:\/\//.test(config.databaseUrl) ? 'postgres' : 'sqlite';
}

function migrationProvider(dialect: SqlDialect, migrations: Record<string, SamsvarMigration>): MigrationProvider {
  return {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const [name, m] of Object.entries(migrations)) out[name] = { up: (db) => m.up(db, dialect) };
      return out;
    },
  };
}

/** Applies every pending numbered migration; several instances starting at once are serialised by kysely's lock. */
export async function migrate(db: Kysely<any>, dialect: SqlDialect, migrations = MIGRATIONS): Promise<string[]> {
  // Core (00xx) and feature (01xx) migrations grow independently: a later 0002 must still apply
  // on a database that already has 0100, hence unordered migrations are allowed.
  const migrator = new Migrator({ db, provider: migrationProvider(dialect, migrations), allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new SamsvarError('internal', `database migration ${failed} failed: ${(error as Error).message ?? String(error)}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Opens the configured database and brings its schema up to date. */
export async function openDatabase<T = CoreTables>(config: DatabaseConfig, migrations = MIGRATIONS): Promise<Database<T>> {
  const dialect = dialectOf(config);
  if (config.databaseUrl && dialect === 'sqlite') {
    throw new SamsvarError(
      'bad_request',
      `DATABASE_URL must start with postgres:// or postgresql:// (got ${config.databaseUrl.split(':')[0]}:…)`,
    );
  }
  const db = dialect === 'postgres' ? openPostgres(config.databaseUrl!) : openSqlite(config);
  try {
    await migrate(db, dialect, migrations);
  } catch (e) {
    await db.destroy();
    throw e;
  }
  return { db: db as Kysely<T>, dialect, close: () => db.destroy() };
}
