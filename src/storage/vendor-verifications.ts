import type { Kysely } from 'kysely';
import { SamsvarError } from '../core/samsvar-error.js';
import { appendAudit } from './audit-log.js';
import { isUniqueViolation } from './unique-violation.js';
import type { CoreTables } from './schema.js';

/** Table of migration 0110: an administrator's check of a vendor's organisation against Enhetsregisteret. */
export interface VendorVerificationTables {
  vendor_verifications: { vendor_id: string; verified_at: string; verified_by: string; registered_name: string; checked: string };
}

export interface VendorVerification {
  vendorId: string;
  verifiedAt: string;
  /** The administrator's token name. */
  verifiedBy: string;
  /** The organisation's name as Enhetsregisteret gives it. */
  registeredName: string;
  /** What the administrator checked, in their words (source, date, what matched). */
  checked: string;
}

type Db = Kysely<CoreTables & VendorVerificationTables>;

/** Verifications of vendors' identity: one per vendor, never changed, each with its audit entry. */
export class VendorVerificationStore {
  private readonly db: Db;

  constructor(db: Kysely<CoreTables>) {
    this.db = db as unknown as Db;
  }

  async record(v: VendorVerification, actor: string): Promise<void> {
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('vendor_verifications')
          .values({
            vendor_id: v.vendorId,
            verified_at: v.verifiedAt,
            verified_by: v.verifiedBy,
            registered_name: v.registeredName,
            checked: v.checked,
          })
          .execute();
        await appendAudit(
          trx as unknown as Kysely<CoreTables>,
          {
            actor,
            action: 'vendor.verify',
            objectType: 'vendor',
            objectId: v.vendorId,
            details: { registeredName: v.registeredName, checked: v.checked },
          },
          v.verifiedAt,
        );
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new SamsvarError('conflict', `vendor ${v.vendorId} is already verified`);
      throw e;
    }
  }

  async all(): Promise<Map<string, VendorVerification>> {
    const rows = await this.db.selectFrom('vendor_verifications').selectAll().execute();
    return new Map(
      rows.map((r) => [
        r.vendor_id,
        {
          vendorId: r.vendor_id,
          verifiedAt: r.verified_at,
          verifiedBy: r.verified_by,
          registeredName: r.registered_name,
          checked: r.checked,
        },
      ]),
    );
  }

  async of(vendorId: string): Promise<VendorVerification | undefined> {
    return (await this.all()).get(vendorId);
  }
}
