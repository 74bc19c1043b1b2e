import { describe, expect, it } from 'vitest';
import { SamsvarError, type ErrorCode } from '../../src/core/samsvar-error.js';
import { mediaType, readLimitedBody, parseJsonBody } from '../../src/server/body.js';
import { STATUS_BY_CODE, toProblem } from '../../src/server/problem.js';
import { RateLimiter } from '../../src/server/rate-limit.js';

describe('problem documents', () => {
  it('map every error code to one status, with a stable type', () => {
    const expected: Record<ErrorCode, number> = {
      bad_request: 400,
      unauthorized: 401,
      forbidden: 403,
      not_found: 404,
      conflict: 409,
      payload_too_large: 413,
      unsupported_media_type: 415,
      unprocessable: 422,
      rate_limited: 429,
      unavailable: 503,
      profile_invalid: 422,
      internal: 500,
      insufficient_storage: 507,
      headers_too_large: 431,
    };
    expect(STATUS_BY_CODE).toEqual(expected);
    expect(toProblem(new SamsvarError('not_found', "run 'x' not found"), '/api/v1/runs/x')).toEqual({
      type: 'https://samsvar.no/problems/not_found',
      title: 'Not found',
      status: 404,
      code: 'not_found',
      detail: "run 'x' not found",
      instance: '/api/v1/runs/x',
    });
  });

  it("keep a SamsvarError's extra fields but never let them override the standard ones", () => {
    const p = toProblem(new SamsvarError('payload_too_large', 'too big', { limit: 10, status: 200 }));
    expect(p).toMatchObject({ status: 413, limit: 10 });
  });
});

describe('reading a body with a limit', () => {
  const streamOf = (chunks: number[]) =>
    new Request('http://x/', {
      method: 'POST',
      body: new ReadableStream({
        start(c) {
          for (const n of chunks) c.enqueue(new Uint8Array(n));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);

  it('returns the exact bytes up to the limit', async () => {
    expect((await readLimitedBody(streamOf([3, 4]), 7)).byteLength).toBe(7);
  });
  it('refuses a stream as soon as it passes the limit', async () => {
    await expect(readLimitedBody(streamOf([4, 4]), 7)).rejects.toMatchObject({ code: 'payload_too_large' });
  });
  it('refuses a declared Content-Length over the limit before reading', async () => {
    const req = new Request('http://x/', { method: 'POST', body: 'x'.repeat(10), headers: { 'content-length': '10' } });
    await expect(readLimitedBody(req, 5)).rejects.toMatchObject({ code: 'payload_too_large' });
  });
  it('takes the media type without parameters', () => {
    expect(mediaType('Application/XML; charset=UTF-8')).toBe('application/xml');
    expect(mediaType(undefined)).toBe('');
  });
  it('rejects JSON that is empty, invalid UTF-8 or not JSON', () => {
    expect(() => parseJsonBody(new Uint8Array())).toThrow(/empty/);
    expect(() => parseJsonBody(new Uint8Array([0x22, 0xff, 0x22]))).toThrow(/UTF-8/);
    expect(() => parseJsonBody(new TextEncoder().encode('{x'))).toThrow(/not valid JSON/);
  });
});

describe('the rate limiter', () => {
  it('allows N requests per client and minute, then says how long to wait; other clients are unaffected', () => {
    let now = 0;
    const rl = new RateLimiter(2, () => now);
    expect([rl.hit('a'), rl.hit('a')]).toEqual([0, 0]);
    now = 15_000;
    expect(rl.hit('a')).toBe(45);
    expect(rl.hit('b')).toBe(0);
    now = 60_000;
    expect(rl.hit('a')).toBe(0);
  });
});
