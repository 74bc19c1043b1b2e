import { SamsvarError } from '../core/samsvar-error.js';
import type { Repository } from '../storage/repository.js';
import type { Principal } from './principal.js';
import { hashToken, sameToken } from './tokens.js';

/**
 * Turns an Authorization header into a Principal. The bootstrap administrator token from
 * SAMSVAR_ADMIN_TOKEN (when set) is checked first, in constant time; every other token is looked
 * up by its hash.
 */
export class Authenticator {
  constructor(private readonly repo: Repository, private readonly bootstrapAdminToken?: string) {}

  async fromHeader(header: string | undefined): Promise<Principal | null> {
    if (!header) return null;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw new SamsvarError('unauthorized', 'the Authorization header must be "Bearer <token>"');
    const token = m[1]!;
    if (this.bootstrapAdminToken && sameToken(token, this.bootstrapAdminToken)) return { role: 'admin', tokenId: 'bootstrap', name: 'SAMSVAR_ADMIN_TOKEN' };
    const rec = await this.repo.findTokenByHash(hashToken(token));
    if (!rec || rec.revokedAt) throw new SamsvarError('unauthorized', 'the token is unknown or revoked');
    if (rec.role === 'vendor') return { role: 'vendor', vendorId: rec.vendorId!, tokenId: rec.id };
    return { role: rec.role, tokenId: rec.id, name: rec.name };
  }
}
