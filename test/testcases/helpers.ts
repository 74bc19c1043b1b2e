import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Engine } from '../../src/engine/engine.js';
import { loadCatalog, ProfileCatalog } from '../../src/profiles/catalog.js';
import type { LoadedProfile, ProfileKind } from '../../src/profiles/manifest.js';

/** A catalog of named, empty profiles: enough for the loader's profile checks. */
export function fakeCatalog(profiles: Record<string, ProfileKind>): ProfileCatalog {
  return new ProfileCatalog(
    Object.entries(profiles).map(
      ([id, kind]): LoadedProfile => ({
        manifest: kind === 'xml' ? { id, version: '1', title: id, kind, schema: 'x.xsd' } : { id, version: '1', title: id, kind, url: `http://example.org/${id}` },
        dir: `/nowhere/${id}`,
        source: 'shipped',
        files: new Map(),
        sha256: '0'.repeat(64),
      }),
    ),
  );
}

const made: string[] = [];

/** Removes the directories dirWith made (call from afterAll). */
export function removeMadeDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A fresh directory holding the given files (relative path -> text or JSON value). */
export function dirWith(files: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'samsvar-tc-'));
  made.push(dir);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

/** The shipped profiles with the real engine, or null while the profiles are not all there yet. */
export function shippedEngine(required: string[]): Engine | null {
  try {
    const catalog = loadCatalog({ importedDir: path.join(tmpdir(), 'samsvar-no-imports') });
    if (!required.every((id) => catalog.get(id))) return null;
    return new Engine(catalog);
  } catch {
    return null;
  }
}

export { buildAppRec, withAttachment, type AppRecParts } from '../helpers/kith-messages.js';

/** Svarrapport and Rekvisisjon: standalone laboratory, pathology and radiology messages. */
const LAB_PROFILES = [
  'svarrapport-1.3', 'svarrapport-1.4', 'svarrapport-1.4-biokjemi', 'svarrapport-1.4-mikrobiologi', 'svarrapport-1.4-immunologi',
  'svarrapport-1.4-patologi', 'svarrapport-1.4-radiologi', 'rekvisisjon-1.5', 'rekvisisjon-1.6', 'rekvisisjon-1.6-laboratorium',
  'rekvisisjon-1.6-patologi', 'rekvisisjon-1.6-radiologi',
];
export const XML_PROFILES = ['msghead-1.2', 'apprec-1.0', 'apprec-1.1', 'dialogmelding-1.0-foresporsel', 'dialogmelding-1.0-svar', 'dialogmelding-1.0-notat', 'dialogmelding-1.0-avvik', 'dialogmelding-1.1-foresporsel', 'dialogmelding-1.1-svar', 'dialogmelding-1.1-notat', 'dialogmelding-1.1-helsefaglig', 'epj-1.0-legemiddelopplysninger', ...LAB_PROFILES];

