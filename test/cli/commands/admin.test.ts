import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import type { CliIo } from '../../../src/cli/cli-io.js';
import { startService } from '../../../src/server/service.js';

function captureIo(env: NodeJS.ProcessEnv): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (s) => stdout.push(s), err: (s) => stderr.push(s), env, cwd: process.cwd() };
}

describe('samsvar admin token', () => {
  it('creates a stored administrator token, printed once, that the service accepts; revoke ends it', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'samsvar-admin-'));
    const io = captureIo({ SAMSVAR_DATA: dataDir });
    expect(await main(['admin', 'token', 'create', '--name', 'ops'], io)).toBe(0);
    const token = io.stdout.join('').trim();
    expect(token).toMatch(/^smv_[A-Za-z0-9_-]{40,}$/);
    const tokenId = /token (\S+) \(ops\)/.exec(io.stderr.join('\n'))![1]!;

    const service = await startService(
      { port: 0, dataDir, maxBodyBytes: 1024 * 1024, rateLimitPerMinute: 100 },
      { hostname: '127.0.0.1', log: () => {} },
    );
    try {
      const ok = await fetch(`${service.url}/api/v1/vendors`, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      const revoke = captureIo({ SAMSVAR_DATA: dataDir });
      expect(await main(['admin', 'token', 'revoke', tokenId], revoke)).toBe(0);
      const after = await fetch(`${service.url}/api/v1/vendors`, { headers: { authorization: `Bearer ${token}` } });
      expect(after.status).toBe(401);
      const audit = await service.ctx.repo.audit.readAudit({ objectType: 'token', objectId: tokenId });
      expect(audit.map((e) => [e.actor, e.action])).toEqual([
        ['cli:admin', 'token.create'],
        ['cli:admin', 'token.revoke'],
      ]);
    } finally {
      await service.close();
    }
  });

  it('creates a laboratory token with --role lab and refuses other roles', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'samsvar-admin-'));
    expect(await main(['admin', 'token', 'create', '--role', 'lab'], captureIo({ SAMSVAR_DATA: dataDir }))).toBe(0);
    const io = captureIo({ SAMSVAR_DATA: dataDir });
    expect(await main(['admin', 'token', 'create', '--role', 'vendor'], io)).toBe(2);
    expect(io.stderr.join('\n')).toContain('--role must be admin or lab');
    expect(await main(['admin', 'frobnicate'], captureIo({ SAMSVAR_DATA: dataDir }))).toBe(2);
  });
});
