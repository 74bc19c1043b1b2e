import { fetch } from 'undici';
import { ENCODED_BODY_REFUSED, guardedDispatcher, HOST_REFUSED, type Resolver } from './guarded-dispatcher.js';
import type { HostAllowlist } from './host-allowlist.js';
import { redirectRefusal, refusalReason } from './live-http.js';

/** The most of a challenge answer samsvar reads: the answer is 87 characters. */
export const CHALLENGE_MAX_BYTES = 1024;

export interface ChallengeOptions {
  allowlist: HostAllowlist;
  timeoutMs: number;
  resolver?: Resolver;
}

/** Whether the server served the answer, and if not, what came back (`kind`, for texts in other languages) and why, in English. */
export type ChallengeOutcome =
  { ok: true } | { ok: false; kind: 'refused' | 'redirect' | 'status' | 'body' | 'unreachable'; status?: number; reason: string };

/**
 * Fetches a server's challenge URL under the rules of a live test (allowlist, address check at
 * connect time, bounded body, no inflation) and compares the trimmed body with the answer. Redirects
 * are followed within the URL's origin only: whoever answers elsewhere does not prove control of
 * this server.
 */
export async function checkServerChallenge(url: string, answer: string, opts: ChallengeOptions): Promise<ChallengeOutcome> {
  let current = new URL(url);
  const origin = current.origin;
  const refused = refusalReason(current, opts.allowlist);
  if (refused) return { ok: false, kind: 'refused', reason: `samsvar does not fetch ${url}: ${refused}` };
  const dispatcher = guardedDispatcher({
    permitInternal: opts.allowlist.namesExactly(current),
    connectTimeoutMs: opts.timeoutMs,
    maxResponseBytes: CHALLENGE_MAX_BYTES,
    resolver: opts.resolver,
  });
  const signal = AbortSignal.timeout(Math.max(1, opts.timeoutMs));
  try {
    for (let hops = 0; ; hops++) {
      const res = await fetch(current, { dispatcher, redirect: 'manual', signal, headers: { 'accept-encoding': 'identity' } });
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.body?.cancel();
        const next = new URL(location, current);
        const why = next.origin !== origin ? `it is another origin than ${origin}` : redirectRefusal(current, next, hops, opts.allowlist);
        if (why)
          return {
            ok: false,
            kind: 'redirect',
            status: res.status,
            reason: `${current.href} redirects (HTTP ${res.status}) to ${next.href}, which is not followed: ${why}`,
          };
        current = next;
        continue;
      }
      const body = await res.text();
      if (res.status !== 200)
        return {
          ok: false,
          kind: 'status',
          status: res.status,
          reason: `${current.href} answered HTTP ${res.status}, not 200 with the answer`,
        };
      if (body.trim() !== answer)
        return {
          ok: false,
          kind: 'body',
          status: 200,
          reason: `${current.href} answered HTTP 200, but its body is not the answer ${answer} (trimmed, nothing else)`,
        };
      return { ok: true };
    }
  } catch (e) {
    if (signal.aborted)
      return { ok: false, kind: 'unreachable', reason: `no complete answer from ${current.href} within ${opts.timeoutMs} ms` };
    return { ok: false, kind: 'unreachable', reason: `could not fetch ${current.href}: ${failureOf(e)}` };
  } finally {
    await dispatcher.destroy().catch(() => undefined);
  }
}

function failureOf(e: unknown): string {
  let cur = e as { code?: string; message?: string; cause?: unknown } | undefined;
  let last = cur;
  for (let depth = 0; cur && depth < 5; depth++) {
    last = cur;
    if (cur.code === HOST_REFUSED || cur.code === ENCODED_BODY_REFUSED) return cur.message ?? String(cur.code);
    if (cur.code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return `the answer is larger than ${CHALLENGE_MAX_BYTES} bytes`;
    cur = cur.cause as typeof cur;
  }
  return last?.code ? `${last.code}: ${last.message}` : (last?.message ?? String(e));
}
