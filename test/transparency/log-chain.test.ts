import { describe, expect, it } from 'vitest';
import { nextEntry, signHead, verifyChain, type LogEntry, type LogEventType } from '../../src/transparency/log-chain.js';
import { testKeyRing } from '../declarations/fixtures.js';

const events: Array<[LogEventType, string]> = [
  ['issued', 'd1'],
  ['issued', 'd2'],
  ['countersigned', 'd1'],
  ['revoked', 'd2'],
  ['expired', 'd1'],
];

function buildLog(): LogEntry[] {
  const log: LogEntry[] = [];
  events.forEach(([type, declarationId], i) => {
    log.push(
      nextEntry(
        log.at(-1),
        { type, declarationId, subjectSha256: String(i).repeat(64), ...(type === 'revoked' ? { detail: 'stikkprøve feilet' } : {}) },
        new Date(Date.UTC(2026, 0, i + 1)),
      ),
    );
  });
  return log;
}

async function signed(log: LogEntry[]) {
  const ring = await testKeyRing();
  const headJws = await signHead({ size: log.length, lastHash: log.at(-1)!.hash }, ring.current, new Date('2026-02-01T00:00:00Z'));
  return { ring, headJws };
}

describe('the hash-chained transparency log', () => {
  it('chains every entry to the previous one and verifies with its signed head', async () => {
    const log = buildLog();
    expect(log[0].prev).toBe('0'.repeat(64));
    expect(log[1].prev).toBe(log[0].hash);
    const { ring, headJws } = await signed(log);
    expect(await verifyChain(log, { headJws, jwks: ring.jwks })).toEqual({ ok: true, size: 5, headHash: log[4].hash });
  });

  it('detects an edited entry and names it', async () => {
    const log = buildLog();
    const { ring, headJws } = await signed(log);
    log[2] = { ...log[2], declarationId: 'd9' };
    expect(await verifyChain(log, { headJws, jwks: ring.jwks })).toEqual({
      ok: false,
      firstBroken: { seq: 3, reason: 'entry 3 was altered: its content does not match its hash' },
    });
  });

  it('detects a deleted entry in the middle', async () => {
    const log = buildLog();
    const { ring, headJws } = await signed(log);
    log.splice(1, 1);
    expect(await verifyChain(log, { headJws, jwks: ring.jwks })).toMatchObject({
      ok: false,
      firstBroken: { seq: 2, reason: expect.stringMatching(/entry 2 is missing/) },
    });
  });

  it('detects a deleted entry renumbered to hide the gap', async () => {
    const log = buildLog();
    const { ring, headJws } = await signed(log);
    const tampered = [log[0], ...log.slice(2).map((e) => ({ ...e, seq: e.seq - 1 }))];
    expect(await verifyChain(tampered, { headJws, jwks: ring.jwks })).toMatchObject({ ok: false, firstBroken: { seq: 2 } });
  });

  it('detects entries removed from the end through the signed head', async () => {
    const log = buildLog();
    const { ring, headJws } = await signed(log);
    expect(await verifyChain(log.slice(0, 4), { headJws, jwks: ring.jwks })).toMatchObject({
      ok: false,
      firstBroken: { seq: 5, reason: expect.stringMatching(/removed from the end/) },
    });
  });

  it('detects a chain rewritten with fresh hashes, because the head signed the old one', async () => {
    const log = buildLog();
    const { ring, headJws } = await signed(log);
    const rewritten: LogEntry[] = [];
    for (const e of log)
      rewritten.push(
        nextEntry(rewritten.at(-1), { ...e, declarationId: e.declarationId === 'd2' ? 'd7' : e.declarationId }, new Date(e.at)),
      );
    expect(await verifyChain(rewritten)).toMatchObject({ ok: true });
    expect(await verifyChain(rewritten, { headJws, jwks: ring.jwks })).toMatchObject({
      ok: false,
      firstBroken: { seq: 5, reason: expect.stringMatching(/rewritten/) },
    });
  });

  it('accepts entries appended after the head was signed', async () => {
    const log = buildLog();
    const { ring, headJws } = await signed(log);
    log.push(
      nextEntry(log.at(-1), { type: 'issued', declarationId: 'd3', subjectSha256: 'f'.repeat(64) }, new Date('2026-03-01T00:00:00Z')),
    );
    expect(await verifyChain(log, { headJws, jwks: ring.jwks })).toMatchObject({ ok: true, size: 6 });
  });

  it('rejects a head signed by an unknown key and entries that are not entries', async () => {
    const log = buildLog();
    const { headJws } = await signed(log);
    const stranger = await testKeyRing();
    expect(await verifyChain(log, { headJws, jwks: stranger.jwks })).toMatchObject({
      ok: false,
      firstBroken: { reason: expect.stringMatching(/signed head does not verify/) },
    });
    expect(await verifyChain([null as unknown as LogEntry])).toMatchObject({ ok: false, firstBroken: { seq: 1 } });
  });
});

describe('a hostile log', () => {
  it('is reported broken, not thrown on, when an entry holds a value canonical JSON cannot carry (1e999 parses to Infinity)', async () => {
    const log = buildLog();
    const hostile = JSON.parse(JSON.stringify(log).replace('"detail":"stikkprøve feilet"', '"detail":1e999')) as LogEntry[];
    await expect(verifyChain(hostile)).resolves.toEqual({
      ok: false,
      firstBroken: { seq: 4, reason: 'entry 4 was altered: its content does not match its hash' },
    });
  });
});
