import { SamsvarError } from '../core/samsvar-error.js';
import type { Repository } from '../storage/repository.js';
import type { Principal } from './principal.js';
import { hashToken, sameToken } from './tokens.js';

/**
 * Who the bootstrap administrator is to readers: a revocation names who revoked ("Tilbakekalt … av
 * Forvaltningen" on the public declaration page), so not the environment variable that holds its token.
 */
const BOOTSTRAP_ADMIN_NAME = 'Forvaltningen';

/**
 * Turns an Authorization header into a Principal. The bootstrap administrator token from
 * SAMSVAR_ADMIN_TOKEN (when set) is checked first, in constant time; every other token is looked
 * up by its hash.
 */
export class Authenticator {
  constructor(
    private readonly repo: Repository,
    private readonly bootstrapAdminToken?: string,
  ) {}

  async fromHeader(header: string | undefined): Promise<Principal | null> {
    if (!header) return null;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw new SamsvarError('unauthorized', 'the Authorization header must be "Bearer <token>"');
    return this.fromToken(m[1]!);
  }

  /** The principal a token stands for; unauthorized when it is unknown or revoked. */
  async fromToken(token: string): Promise<Principal> {
    if (this.bootstrapAdminToken && sameToken(token, this.bootstrapAdminToken))
      return { role: 'admin', tokenId: 'bootstrap', name: BOOTSTRAP_ADMIN_NAME };
    return this.fromTokenHash(hashToken(token));
  }

  /**
   * The principal for a token known only by its hash (a web session keeps no token). The bootstrap
   * administrator token is compared by hash too, so changing SAMSVAR_ADMIN_TOKEN ends its sessions.
   */
  async fromTokenHash(tokenHash: string): Promise<Principal> {
    if (this.bootstrapAdminToken && sameToken(tokenHash, hashToken(this.bootstrapAdminToken)))
      return { role: 'admin', tokenId: 'bootstrap', name: BOOTSTRAP_ADMIN_NAME };
    const rec = await this.repo.vendors.findTokenByHash(tokenHash);
    if (!rec || rec.revokedAt) throw new SamsvarError('unauthorized', 'the token is unknown or revoked');
    if (rec.role === 'vendor') return { role: 'vendor', vendorId: rec.vendorId!, tokenId: rec.id };
    return { role: rec.role, tokenId: rec.id, name: rec.name };
  }
}
