import { SamsvarError } from '../core/samsvar-error.js';
import { actorOf, type Principal } from '../auth/principal.js';
import type { Repository } from '../storage/repository.js';
import type { Vendor } from '../storage/vendor-repository.js';
import type { VendorVerification, VendorVerificationStore } from '../storage/vendor-verifications.js';

/** `unverified` until an administrator has checked the organisation against Enhetsregisteret. */
export type VendorIdentity = 'verified' | 'unverified';

export interface VendorWithIdentity extends Vendor {
  identity: VendorIdentity;
  verification?: VendorVerification;
}

/**
 * An administrator verifies a vendor's organisation: that the organisasjonsnummer exists in
 * Enhetsregisteret, is not deleted, and belongs to the registered name. samsvar cannot reach
 * Enhetsregisteret itself (run offline), so the administrator records the name found there and
 * what was checked; a name that does not match the registration is refused.
 */
export async function verifyVendor(
  repo: Repository,
  store: VendorVerificationStore,
  p: Principal,
  vendorId: string,
  input: { registeredName: string; checked: string },
  now = new Date(),
): Promise<VendorWithIdentity> {
  if (p.role !== 'admin') throw new SamsvarError('forbidden', 'only an administrator verifies a vendor');
  const vendor = await repo.vendors.getVendor(vendorId);
  if (!vendor) throw new SamsvarError('not_found', `vendor '${vendorId}' not found`);
  const registeredName = input.registeredName.trim();
  const checked = input.checked.trim();
  if (fold(registeredName) !== fold(vendor.name)) {
    throw new SamsvarError(
      'unprocessable',
      `Enhetsregisteret names ${vendor.orgNumber} '${registeredName}', but the vendor registered as '${vendor.name}'; the vendor stays unverified`,
      { field: 'registeredName' },
    );
  }
  const verification: VendorVerification = { vendorId, verifiedAt: now.toISOString(), verifiedBy: p.name, registeredName, checked };
  await store.record(verification, actorOf(p));
  return { ...vendor, identity: 'verified', verification };
}

/** Names compare without case, surrounding space or repeated spaces ("Omsorg  AS" is "OMSORG AS"). */
function fold(s: string): string {
  return s.normalize('NFC').trim().replace(/\s+/g, ' ').toLocaleLowerCase('nb');
}

export async function vendorsWithIdentity(repo: Repository, store: VendorVerificationStore): Promise<VendorWithIdentity[]> {
  const [vendors, verified] = await Promise.all([repo.vendors.listVendors(), store.all()]);
  return vendors.map((v) => {
    const verification = verified.get(v.id);
    return { ...v, identity: verification ? 'verified' : 'unverified', ...(verification ? { verification } : {}) };
  });
}
