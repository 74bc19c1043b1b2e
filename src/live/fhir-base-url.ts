import { createHash } from 'node:crypto';
import { SamsvarError } from '../core/samsvar-error.js';

/**
 * A FHIR base URL in the one form samsvar compares and stores: http(s), no credentials, query or
 * fragment, and no trailing slash (FHIR appends "/metadata", "/Patient/1" to it), so that
 * `https://FHIR.vendor.no/r4/` and `https://fhir.vendor.no/r4` are the same endpoint.
 */
export function normalizeFhirBaseUrl(raw: string, field: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new SamsvarError('unprocessable', `${field} '${raw}' is not a URL; give the FHIR base URL, e.g. https://fhir.vendor.no/r4`, {
      field,
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new SamsvarError('unprocessable', `${field} must be an http or https URL, not ${url.protocol}`, { field });
  if (url.username || url.password)
    throw new SamsvarError('unprocessable', `${field} must not carry credentials; give the token with each live test`, { field });
  if (url.search || url.hash) throw new SamsvarError('unprocessable', `${field} must not have a query or fragment`, { field });
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url.href.replace(/\/$/, '');
}

/**
 * The server a normalized base URL names, as one vendor's claim: host and a port other than the
 * scheme's default, without scheme or path. The vendor that proves control of a server holds
 * every base URL on it, so another vendor cannot reach the same server under another path
 * (`/r4/` vs `/R4`, `/r4/x/..`, a proxy prefix) or the other scheme (`http://` vs `https://`).
 */
export function fhirServerOf(normalizedBaseUrl: string): string {
  const url = new URL(normalizedBaseUrl);
  return url.port ? `${url.hostname}:${url.port}` : url.hostname;
}

/** Where the server of a base URL must serve its claim's answer (ACME HTTP-01 style, at the base URL's origin). */
export function challengeUrl(normalizedBaseUrl: string, token: string): string {
  return `${new URL(normalizedBaseUrl).origin}/.well-known/samsvar-challenge/${token}`;
}

/**
 * What the server must serve at the challenge URL to prove the vendor controls it: the token and a
 * digest of the vendor (as ACME's key authorization adds the account's thumbprint). Not the URL's
 * own last segment, so a server that echoes its path proves nothing, and not the same for two
 * vendors, so serving one vendor's answer gives the server to that vendor only.
 */
export function challengeAnswer(token: string, vendorId: string): string {
  return `${token}.${createHash('sha256').update(`samsvar-fhir-server-vendor\0${vendorId}`).digest('base64url')}`;
}
