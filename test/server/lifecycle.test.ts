import { describe, expect, it } from 'vitest';
import { dialectsUnderTest } from '../support/databases.js';
import pg from 'pg';
import { startService } from '../../src/server/service.js';
import { startTestService } from '../support/service.js';

describe('shutting down', () => {
  it('lets an in-flight request finish, refuses new connections, then closes the database', async () => {
    const t = await startTestService(dialectsUnderTest()[0]!);
    // A request whose body is still streaming when shutdown begins.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new TextEncoder().encode('<a>'));
        await gate;
        controller.enqueue(new TextEncoder().encode('</a>'));
        controller.close();
      },
    });
    const inFlight = t.call('POST', '/api/v1/validate', { body, contentType: 'application/xml' });
    await new Promise((r) => setTimeout(r, 100));

    let closed = false;
    const closing = t.service.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(closed).toBe(false);
    await expect(fetch(`${t.url}/healthz`)).rejects.toThrow();

    release();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { format: string }).format).toBe('xml');
    await closing;
    expect(closed).toBe(true);
    await t.stop();
  });
});

describe('starting on a port that is taken', () => {
  for (const dialect of dialectsUnderTest()) {
    it(`says so in a sentence, not a stack trace, and leaves no database connection open (${dialect.name})`, async () => {
      const first = await startTestService(dialect);
      const db = await dialect.create();
      try {
        const failure = startService(
          { port: first.service.port, maxBodyBytes: 1024, rateLimitPerMinute: 10, ...db.config },
          { hostname: '127.0.0.1', log: () => {} },
        );
        await expect(failure).rejects.toMatchObject({
          code: 'conflict',
          detail: expect.stringContaining(`port ${first.service.port} is in use`),
        });
        if (db.config.databaseUrl) {
          const name = new URL(db.config.databaseUrl).pathname.slice(1);
          const admin = new pg.Client({ connectionString: db.config.databaseUrl });
          await admin.connect();
          const { rows } = await admin.query(
            'select count(*)::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
            [name],
          );
          await admin.end();
          expect(rows[0].n).toBe(0);
        }
      } finally {
        await first.stop();
        await db.drop();
      }
    });
  }
});
