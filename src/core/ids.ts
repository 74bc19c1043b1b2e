import { randomBytes } from 'node:crypto';
import { customAlphabet } from 'nanoid';

/**
 * Letters and digits only: an id never starts with `-` (which command-line parsers take for an
 * option) and is a valid FHIR id (`[A-Za-z0-9\-\.]{1,64}`), so a declaration id can be the id of
 * its FHIR rendering. 21 characters of 62 symbols carry about 125 bits, as much as nanoid's default.
 */
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

const generators = new Map<number, () => string>();

/** A random id of `size` letters and digits. */
export function newId(size = 21): string {
  let make = generators.get(size);
  if (!make) generators.set(size, (make = customAlphabet(ALPHABET, size)));
  return make();
}

/**
 * A token a vendor's server must serve back to prove the vendor controls it: 256 random bits,
 * base64url (43 characters), unguessable to anyone samsvar did not show it to.
 */
export function newChallengeToken(): string {
  return randomBytes(32).toString('base64url');
}
