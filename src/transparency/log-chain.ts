import { sha256Hex } from '../core/sha256.js';
import { canonicalJson } from '../signing/canonical-json.js';
import { signJson, verifyJson } from '../signing/jws.js';
import type { Jwks, SigningKey } from '../signing/key-store.js';

/**
 * The transparency log: an append-only, hash-chained list of what happened to declarations. Each
 * entry carries the SHA-256 of the previous one, and the head (size and last hash) is signed, so
 * an edited, deleted or truncated entry shows to anyone who re-computes the chain.
 */
/**
 * `withdrawn`: the manufacturer withdrew its own declaration; `reinstated`: a declaration shown
 * superseded or expired is active again (its successor was revoked, or a retired profile
 * reactivated); `key_rotated`: the deployment's signing key was replaced (no declaration: its
 * declarationId is empty, the subject is the new public key's SHA-256, the detail "old -> new").
 */
export type LogEventType = 'issued' | 'countersigned' | 'revoked' | 'withdrawn' | 'superseded' | 'expired' | 'reinstated' | 'key_rotated';

export const GENESIS_HASH = '0'.repeat(64);

export interface LogEvent {
  type: LogEventType;
  declarationId: string;
  /** SHA-256 of what the event is about: the declaration's or countersignature's JWS, or the revocation record. */
  subjectSha256: string;
  /** Why, for status changes (a revocation's reason, which newer declaration supersedes). */
  detail?: string;
}

export interface LogEntry extends LogEvent {
  /** 1-based position; a gap means a deleted entry. */
  seq: number;
  at: string;
  prev: string;
  hash: string;
}

export function entryHash(e: Omit<LogEntry, 'hash'>): string {
  const { seq, at, type, declarationId, subjectSha256, detail, prev } = e;
  return sha256Hex(canonicalJson({ seq, at, type, declarationId, subjectSha256, detail, prev }));
}

/** An entry from elsewhere may hold what canonical JSON refuses (Infinity from 1e999): no hash, so no match. */
function hashOrUndefined(e: LogEntry): string | undefined {
  try {
    return entryHash(e);
  } catch {
    return undefined;
  }
}

/** The entry that follows `last` (undefined for the first). Storage appends it inside one transaction. */
export function nextEntry(last: LogEntry | undefined, event: LogEvent, now: Date): LogEntry {
  const body = {
    seq: (last?.seq ?? 0) + 1,
    at: now.toISOString(),
    type: event.type,
    declarationId: event.declarationId,
    subjectSha256: event.subjectSha256,
    ...(event.detail !== undefined ? { detail: event.detail } : {}),
    prev: last?.hash ?? GENESIS_HASH,
  };
  return { ...body, hash: entryHash(body) };
}

export interface LogHead {
  type: 'samsvar-logghode/1';
  size: number;
  hash: string;
  at: string;
  kid: string;
}

export function signHead(entries: { size: number; lastHash: string }, key: SigningKey, now: Date): Promise<string> {
  const head: LogHead = { type: 'samsvar-logghode/1', size: entries.size, hash: entries.lastHash, at: now.toISOString(), kid: key.kid };
  return signJson(head, key, 'samsvar-log-head+json');
}

export type ChainCheck =
  { ok: true; size: number; headHash: string; earlierHeadSize?: number } | { ok: false; firstBroken: { seq: number; reason: string } };

function broken(seq: number, reason: string): ChainCheck {
  return { ok: false, firstBroken: { seq, reason } };
}

/**
 * Whether a signed head covers `entries`: the entry at the head's size must carry the hash the head
 * signed. The log may have grown since the head was signed, but it may not be shorter.
 */
async function checkHead(
  entries: readonly LogEntry[],
  headJws: string,
  jwks: Jwks,
  which: 'signed' | 'earlier',
): Promise<{ size: number } | ChainCheck> {
  const head = await verifyJson<LogHead>(headJws, jwks, 'samsvar-log-head+json');
  if (!head.valid) return broken(entries.length, `the ${which} head does not verify: ${head.reason}`);
  const size = head.payload.size;
  if (!Number.isSafeInteger(size) || size < 0) return broken(entries.length, `the ${which} head names no valid size`);
  if (size > entries.length)
    return broken(
      entries.length + 1,
      `the ${which} head covers ${size} entries but only ${entries.length} are present: entries were removed from the end`,
    );
  const atHead = size === 0 ? GENESIS_HASH : entries[size - 1].hash;
  if (head.payload.hash !== atHead)
    return broken(Math.max(size, 1), `entry ${size}'s hash is not the one the ${which} head signed: the chain was rewritten`);
  return { size };
}

/**
 * Re-computes the chain and names the first broken link. With a signed head, a removed tail or a
 * rewritten chain shows too: the head's size and hash must be those of the last entry.
 *
 * The service signs whatever its database holds, so someone who can write the database can cut
 * the log back and get the shorter log signed afresh. Only a head kept from an earlier check
 * (`earlierHeadJws`) shows that: the log must still contain the entries it covered, unchanged.
 */
export async function verifyChain(
  entries: readonly LogEntry[],
  opts: { headJws?: string; earlierHeadJws?: string; jwks?: Jwks } = {},
): Promise<ChainCheck> {
  let prev = GENESIS_HASH;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const expectedSeq = i + 1;
    if (!e || typeof e !== 'object' || typeof e.seq !== 'number')
      return broken(expectedSeq, `entry at position ${expectedSeq} is not a log entry`);
    if (e.seq !== expectedSeq) {
      return broken(
        expectedSeq,
        e.seq > expectedSeq
          ? `entry ${expectedSeq} is missing (the next entry present is ${e.seq})`
          : `entry ${e.seq} appears out of order at position ${expectedSeq}`,
      );
    }
    if (e.prev !== prev)
      return broken(e.seq, `entry ${e.seq} does not point at the hash of entry ${e.seq - 1}: an entry before it was changed or removed`);
    if (hashOrUndefined(e) !== e.hash) return broken(e.seq, `entry ${e.seq} was altered: its content does not match its hash`);
    prev = e.hash;
  }
  if ((opts.headJws !== undefined || opts.earlierHeadJws !== undefined) && !opts.jwks)
    throw new TypeError('a JWKS is needed to check a signed head');
  if (opts.headJws !== undefined) {
    const head = await checkHead(entries, opts.headJws, opts.jwks!, 'signed');
    if ('ok' in head) return head;
  }
  let earlierHeadSize: number | undefined;
  if (opts.earlierHeadJws !== undefined) {
    const earlier = await checkHead(entries, opts.earlierHeadJws, opts.jwks!, 'earlier');
    if ('ok' in earlier) return earlier;
    earlierHeadSize = earlier.size;
  }
  return { ok: true, size: entries.length, headHash: prev, ...(earlierHeadSize !== undefined ? { earlierHeadSize } : {}) };
}
