import { Agent, fetch as undiciFetch } from 'undici';
import { startService, type RunningService, type StartOptions } from '../../src/server/service.js';
import type { ServerConfig } from '../../src/server/config.js';
import type { DialectUnderTest, TestDatabase } from './databases.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

/**
 * A fresh connection per call: tests block the event loop (in-process CLI runs compile schemas for
 * seconds), and then the server's keep-alive timer and the client's reuse of that idle connection
 * fire in the same turn, so a reused connection could be reset under the client (ECONNRESET).
 */
const noKeepAlive = new Agent({ pipelining: 0 });

export interface TestService {
  service: RunningService;
  url: string;
  /** fetch against the service with an optional bearer token. */
  call(
    method: string,
    path: string,
    opts?: { token?: string; json?: unknown; body?: BodyInit; contentType?: string; headers?: Record<string, string> },
  ): Promise<Response>;
  stop(): Promise<void>;
}

/** Starts the real service on a free port over a fresh database of the given dialect. */
export async function startTestService(
  dialect: DialectUnderTest,
  config: Partial<ServerConfig> = {},
  opts: StartOptions = {},
): Promise<TestService> {
  const db: TestDatabase = await dialect.create();
  const service = await startService(
    { port: 0, maxBodyBytes: 25 * 1024 * 1024, rateLimitPerMinute: 1000, adminToken: ADMIN_TOKEN, ...db.config, ...config },
    { hostname: '127.0.0.1', log: () => {}, ...opts },
  );
  return {
    ...clientOf(service),
    async stop() {
      await service.close();
      await db.drop();
    },
  };
}

/** The calls of a test client against a running service's URL (a fresh connection each). */
function callerOf(url: string): TestService['call'] {
  return (method, path, o = {}) => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let body = o.body;
    if (o.json !== undefined) {
      body = JSON.stringify(o.json);
      headers['content-type'] = 'application/json';
    }
    if (o.contentType) headers['content-type'] = o.contentType;
    return undiciFetch(`${url}${path}`, {
      method,
      headers,
      body,
      duplex: 'half',
      dispatcher: noKeepAlive,
    } as Parameters<typeof undiciFetch>[1]) as unknown as Promise<Response>;
  };
}

/** A client of a service the test started itself (over a database it manages): `stop` closes the service only. */
export function clientOf(service: RunningService): TestService {
  return { service, url: service.url, call: callerOf(service.url), stop: () => service.close() };
}

/** Registers a vendor with a fresh valid organisasjonsnummer and returns its id and token. */
let orgCounter = 0;
export function validOrgNumber(seed = Date.now() + orgCounter++): string {
  const weights = [3, 2, 7, 6, 5, 4, 3, 2];
  for (let n = seed; ; n++) {
    const base = String(800_000_00 + (n % 100_000_00)).padStart(8, '9');
    const digits = [...base].map(Number);
    const sum = digits.reduce((s, d, i) => s + d * weights[i]!, 0);
    const control = 11 - (sum % 11);
    if (control === 10) continue;
    return base + String(control === 11 ? 0 : control);
  }
}

export async function registerVendor(t: TestService, name = 'Testleverandør AS'): Promise<{ id: string; token: string }> {
  const res = await t.call('POST', '/api/v1/vendors', { json: { orgNumber: validOrgNumber(), name, email: 'post@example.no' } });
  if (res.status !== 201) throw new Error(`registration failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { id: string; token: string };
  return body;
}
