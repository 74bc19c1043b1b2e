import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCatalog } from '../../src/profiles/catalog.js';

export const FIXTURE_PROFILES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'profiles');

/** A catalog of the small fixture profiles only, independent of the shipped ones. */
export function fixtureCatalog() {
  return loadCatalog({ shippedDir: FIXTURE_PROFILES, importedDir: path.join(FIXTURE_PROFILES, '__none__') });
}

export const bytes = (s: string) => new TextEncoder().encode(s);
