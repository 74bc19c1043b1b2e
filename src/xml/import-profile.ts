import { cpSync, existsSync, lstatSync, mkdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SamsvarError } from '../core/samsvar-error.js';
import { XmlValidator } from './xml-validator.js';
import { loadProfileDir, ProfileCatalog } from '../profiles/catalog.js';
import type { LoadedProfile, XmlProfileManifest } from '../profiles/manifest.js';

export interface XmlImportOptions {
  /** Used when the directory has no profile.json (e.g. an official XSD set as downloaded). */
  manifest?: Partial<XmlProfileManifest>;
  /** Replace an imported profile with the same id (never a shipped one). */
  replace?: boolean;
}

/**
 * Imports an XML profile directory into the data directory: every file in it becomes available to
 * schemaLocation. The schema is compiled before anything is written, so a profile whose imports do
 * not resolve is refused with the URLs that failed, and a half-written import never becomes visible.
 */
export function importXmlProfile(
  sourceDir: string,
  targetRoot: string,
  catalog: ProfileCatalog,
  opts: XmlImportOptions = {},
): LoadedProfile {
  if (!existsSync(sourceDir) || !statSync(sourceDir).isDirectory())
    throw new SamsvarError('bad_request', `${sourceDir} is not a directory`);
  mkdirSync(targetRoot, { recursive: true });
  const staging = path.join(targetRoot, `.import-${process.pid}-${Date.now()}`);
  // Links inside the profile are left out (they could point anywhere); the directory named may itself be one.
  cpSync(realpathSync(sourceDir), staging, { recursive: true, dereference: false, filter: (src) => !lstatSync(src).isSymbolicLink() });
  try {
    const manifestPath = path.join(staging, 'profile.json');
    if (!existsSync(manifestPath)) {
      const m = opts.manifest ?? {};
      if (!m.id || !m.schema) {
        throw new SamsvarError(
          'bad_request',
          `${sourceDir} has no profile.json: give at least --id and --schema (the entry XSD) to describe it`,
        );
      }
      writeFileSync(manifestPath, JSON.stringify({ kind: 'xml', version: '1.0.0', title: m.id, ...m }, null, 2));
    }
    const staged = loadProfileDir(staging, 'imported');
    const id = staged.manifest.id;
    const existing = catalog.get(id);
    if (existing?.source === 'shipped')
      throw new SamsvarError('conflict', `profile ${id} is shipped with samsvar and cannot be replaced by an import; choose another id`);
    if (existing && !opts.replace) throw new SamsvarError('conflict', `profile ${id} is already imported; use --replace to replace it`);
    if (staged.manifest.kind !== 'xml')
      throw new SamsvarError(
        'bad_request',
        `${sourceDir} describes a ${staged.manifest.kind} profile; FHIR packages are imported as .tgz or package/ directories`,
      );

    // Compile against a catalog that sees the new profile, so `uses` and catalogs resolve as they will later.
    const probe = new ProfileCatalog([...catalog.list().filter((p) => p.manifest.id !== id), staged]);
    new XmlValidator(probe).prepare(staged);

    const target = path.join(targetRoot, id);
    if (existsSync(target)) rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
    const loaded = loadProfileDir(target, 'imported');
    catalog.put(loaded);
    return loaded;
  } finally {
    if (existsSync(staging)) rmSync(staging, { recursive: true, force: true });
  }
}
