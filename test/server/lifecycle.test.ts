import { describe, expect, it } from 'vitest';
import { dialectsUnderTest } from '../support/databases.js';
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
