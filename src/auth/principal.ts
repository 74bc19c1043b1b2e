import type { TokenRole } from '../storage/schema.js';

/** Who is calling: a vendor (through its token), an administrator or a test laboratory. */
export type Principal = { role: 'vendor'; vendorId: string; tokenId: string } | { role: 'admin' | 'lab'; tokenId: string; name: string };

export function actorOf(p: Principal | null): string {
  if (!p) return 'public';
  return p.role === 'vendor' ? `vendor:${p.vendorId}` : `${p.role}:${p.tokenId}`;
}

export function isAdmin(p: Principal | null): boolean {
  return p?.role === 'admin';
}

export type { TokenRole };
