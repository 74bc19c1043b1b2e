import { SamsvarError } from '../core/samsvar-error.js';
import { checkOrgNumber } from '../identifiers/norwegian-ids.js';
import { hashToken, newApiToken } from '../auth/tokens.js';
import type { Repository } from '../storage/repository.js';
import type { Vendor } from '../storage/vendor-repository.js';

/** Self-registration: a valid organisasjonsnummer gets a vendor and an API token, shown this once. */
export async function registerVendor(
  repo: Repository,
  input: { orgNumber: string; name: string; email: string },
): Promise<{ vendor: Vendor; token: string }> {
  const orgNumber = input.orgNumber.replace(/\s+/g, '');
  const check = checkOrgNumber(orgNumber);
  if (!check.ok)
    throw new SamsvarError(
      'unprocessable',
      `orgNumber ${input.orgNumber} is not a valid organisasjonsnummer: ${check.problem ?? 'modulus-11 check failed'}`,
      { field: 'orgNumber' },
    );
  const token = newApiToken();
  const { vendor } = await repo.vendors.createVendor({ orgNumber, name: input.name.trim(), email: input.email.trim() }, hashToken(token));
  return { vendor, token };
}
