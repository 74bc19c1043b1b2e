import { randomBytes, timingSafeEqual } from 'node:crypto';
import { sha256Hex } from '../core/sha256.js';

/** Tokens carry 256 random bits, so a plain SHA-256 is a sufficient stored form (no slow KDF needed). */
export function newApiToken(): string {
  return `smv_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return sha256Hex(token);
}

/** Constant-time comparison of a presented token with a configured one (the bootstrap admin token). */
export function sameToken(presented: string, configured: string): boolean {
  const a = Buffer.from(hashToken(presented), 'hex');
  const b = Buffer.from(hashToken(configured), 'hex');
  return timingSafeEqual(a, b);
}
