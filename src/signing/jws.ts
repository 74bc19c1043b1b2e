import { CompactSign, compactVerify, createLocalJWKSet, decodeProtectedHeader, errors } from 'jose';
import { canonicalJson } from './canonical-json.js';
import type { Jwks, SigningKey } from './key-store.js';

/** `typ` of every JWS samsvar signs, so a token of one kind is never accepted as another. */
export type SamsvarJwsType = 'samsvar-declaration+json' | 'samsvar-countersignature+json' | 'samsvar-log-head+json';

/** Signs a JSON value as a compact JWS (EdDSA over the canonical JSON bytes). */
export async function signJson(value: unknown, key: SigningKey, typ: SamsvarJwsType): Promise<string> {
  return new CompactSign(new TextEncoder().encode(canonicalJson(value)))
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ })
    .sign(key.privateKey);
}

export type JwsCheck<T> = { valid: true; kid: string; payload: T } | { valid: false; kid?: string; reason: string };

/**
 * Checks a compact JWS against a JWKS, offline. Never throws for a bad token: the answer says why.
 * Only EdDSA is accepted, and the `typ` must be the one expected.
 */
export async function verifyJson<T>(token: string, jwks: Jwks, typ: SamsvarJwsType): Promise<JwsCheck<T>> {
  const compact = token.trim();
  let kid: string | undefined;
  try {
    const header = decodeProtectedHeader(compact);
    kid = typeof header.kid === 'string' ? header.kid : undefined;
    if (header.typ !== typ) return { valid: false, kid, reason: `the token is a ${String(header.typ ?? 'untyped JWS')}, not a ${typ}` };
  } catch {
    return { valid: false, reason: 'not a compact JWS (three base64url parts separated by dots)' };
  }
  if (!kid) return { valid: false, reason: 'the JWS header names no key (kid)' };
  if (!jwks.keys.some((k) => k.kid === kid)) return { valid: false, kid, reason: `key ${kid} is not in the JWKS` };
  try {
    const { payload } = await compactVerify(compact, createLocalJWKSet(jwks), { algorithms: ['EdDSA'] });
    return { valid: true, kid, payload: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload)) as T };
  } catch (e) {
    if (e instanceof errors.JWSSignatureVerificationFailed)
      return { valid: false, kid, reason: 'the signature does not match the content: the token was altered or signed by another key' };
    if (e instanceof errors.JOSEAlgNotAllowed) return { valid: false, kid, reason: 'only EdDSA (Ed25519) signatures are accepted' };
    if (e instanceof SyntaxError || e instanceof TypeError) return { valid: false, kid, reason: 'the signed content is not JSON' };
    return { valid: false, kid, reason: `the JWS is malformed: ${(e as Error).message}` };
  }
}

/** The payload without checking the signature: for showing a token, never for trusting it. */
export function decodeUnverified<T>(token: string): T | undefined {
  const parts = token.trim().split('.');
  if (parts.length !== 3) return undefined;
  try {
    return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as T;
  } catch {
    return undefined;
  }
}
