import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The checkout or installed package root: src/core and dist/core both sit two levels below it. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const SHIPPED_PROFILES_DIR = path.join(PACKAGE_ROOT, 'profiles');
export const SHIPPED_TESTCASES_DIR = path.join(PACKAGE_ROOT, 'testcases');
export const REPORT_TEMPLATES_DIR = path.join(PACKAGE_ROOT, 'reports');

/** The local data directory: imported profiles, the embedded database, signing keys. */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.SAMSVAR_DATA ?? './data');
}

export function importedProfilesDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(dataDir(env), 'profiles');
}
