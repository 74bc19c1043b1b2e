import type { Kysely } from 'kysely';
import { newId } from '../core/ids.js';
import { SamsvarError } from '../core/samsvar-error.js';
import { appendAudit } from './audit-log.js';
import type { CoreTables, TokenRole } from './schema.js';
import { now } from './storage-clock.js';
import { isUniqueViolation } from './unique-violation.js';

export interface Vendor {
  id: string;
  orgNumber: string;
  name: string;
  email: string;
  createdAt: string;
}
export interface TokenRecord {
  id: string;
  role: TokenRole;
  vendorId: string | null;
  name: string;
  createdAt: string;
  revokedAt: string | null;
}

/** Vendors and their API tokens; registering a vendor issues its first token in the same transaction. */
export class VendorRepository {
  constructor(private readonly db: Kysely<CoreTables>) {}

  async createVendor(
    input: { orgNumber: string; name: string; email: string },
    tokenHash: string,
    actor = 'public',
  ): Promise<{ vendor: Vendor; tokenId: string }> {
    const vendor: Vendor = { id: newId(), ...input, createdAt: now() };
    const tokenId = newId();
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('vendors')
          .values({ id: vendor.id, org_number: vendor.orgNumber, name: vendor.name, email: vendor.email, created_at: vendor.createdAt })
          .execute();
        await trx
          .insertInto('api_tokens')
          .values({
            id: tokenId,
            token_hash: tokenHash,
            role: 'vendor',
            vendor_id: vendor.id,
            name: `${vendor.name} (registration)`,
            created_at: vendor.createdAt,
            revoked_at: null,
          })
          .execute();
        await appendAudit(trx, {
          actor,
          action: 'vendor.register',
          objectType: 'vendor',
          objectId: vendor.id,
          details: { orgNumber: vendor.orgNumber, name: vendor.name },
        });
        await appendAudit(trx, {
          actor: `vendor:${vendor.id}`,
          action: 'token.create',
          objectType: 'token',
          objectId: tokenId,
          details: { role: 'vendor' },
        });
      });
    } catch (e) {
      if (isUniqueViolation(e))
        throw new SamsvarError('conflict', `a vendor with organisasjonsnummer ${input.orgNumber} is already registered`);
      throw e;
    }
    return { vendor, tokenId };
  }

  async getVendor(id: string): Promise<Vendor | undefined> {
    const r = await this.db.selectFrom('vendors').selectAll().where('id', '=', id).executeTakeFirst();
    return r && { id: r.id, orgNumber: r.org_number, name: r.name, email: r.email, createdAt: r.created_at };
  }

  async listVendors(): Promise<Vendor[]> {
    const rows = await this.db.selectFrom('vendors').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, orgNumber: r.org_number, name: r.name, email: r.email, createdAt: r.created_at }));
  }

  async createToken(
    input: { role: TokenRole; vendorId?: string | null; name: string },
    tokenHash: string,
    actor: string,
  ): Promise<TokenRecord> {
    const rec: TokenRecord = {
      id: newId(),
      role: input.role,
      vendorId: input.vendorId ?? null,
      name: input.name,
      createdAt: now(),
      revokedAt: null,
    };
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('api_tokens')
        .values({
          id: rec.id,
          token_hash: tokenHash,
          role: rec.role,
          vendor_id: rec.vendorId,
          name: rec.name,
          created_at: rec.createdAt,
          revoked_at: null,
        })
        .execute();
      await appendAudit(trx, {
        actor,
        action: 'token.create',
        objectType: 'token',
        objectId: rec.id,
        details: { role: rec.role, name: rec.name },
      });
    });
    return rec;
  }

  async revokeToken(id: string, actor: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('api_tokens')
        .set({ revoked_at: now() })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) return false;
      await appendAudit(trx, { actor, action: 'token.revoke', objectType: 'token', objectId: id });
      return true;
    });
  }

  async findTokenByHash(tokenHash: string): Promise<TokenRecord | undefined> {
    const r = await this.db.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return r && { id: r.id, role: r.role, vendorId: r.vendor_id, name: r.name, createdAt: r.created_at, revokedAt: r.revoked_at };
  }
}
