import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { declarationFeature } from '../../src/server/routes/declaration-feature.js';
import { dialectsUnderTest } from '../support/databases.js';
import { startTestService } from '../support/service.js';

const keysDir = () => mkdtempSync(path.join(tmpdir(), 'samsvar-keys-'));

describe('work the service does on its own', () => {
  it('starts with the service and is stopped on close, while the database is still open', async () => {
    const events: string[] = [];
    const t = await startTestService(
      dialectsUnderTest()[0]!,
      {},
      {
        backgroundTasks: [
          (ctx) => {
            events.push('started');
            return {
              async stop() {
                // A sweep finishing its last transaction during shutdown must still reach the database.
                await sql`select 1`.execute(ctx.database.db);
                events.push('stopped');
              },
            };
          },
        ],
      },
    );
    expect(events).toEqual(['started']);
    await t.stop();
    expect(events).toEqual(['started', 'stopped']);
  });

  it('includes the status sweep unless SAMSVAR_SWEEP_SECONDS is 0, and refuses a bad interval before starting', async () => {
    expect((await declarationFeature({ dataDir: keysDir() }, { env: {} })).backgroundTasks).toHaveLength(1);
    expect((await declarationFeature({ dataDir: keysDir() }, { env: { SAMSVAR_SWEEP_SECONDS: '0' } })).backgroundTasks).toHaveLength(0);
    await expect(declarationFeature({ dataDir: keysDir() }, { env: { SAMSVAR_SWEEP_SECONDS: 'often' } })).rejects.toThrow(
      /SAMSVAR_SWEEP_SECONDS/,
    );
  });

  it('runs the sweep as the service starts and stops it cleanly on close', async () => {
    const feature = await declarationFeature({ dataDir: keysDir() }, { env: { SAMSVAR_SWEEP_SECONDS: '3600' } });
    const logged: string[] = [];
    const t = await startTestService(
      dialectsUnderTest()[0]!,
      {},
      { routeModules: feature.modules, backgroundTasks: feature.backgroundTasks, log: (m) => logged.push(m) },
    );
    // The first sweep runs at once; the log's head answers once it has (nothing to sweep in an empty registry).
    expect((await t.call('GET', '/api/v1/log')).status).toBe(200);
    await t.stop();
    expect(logged.filter((m) => m.includes('sweep failed'))).toEqual([]);
  });
});
