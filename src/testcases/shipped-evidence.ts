import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sha256Hex } from '../core/sha256.js';
import type { ProfileCatalog } from '../profiles/catalog.js';
import { withXml } from '../xml/read-xml.js';
import { resourceFingerprint } from './artifact-identity.js';
import { readMessageHeader } from './message-header.js';
import { templatesDir } from './receive-message.js';

/**
 * Every file shipped with samsvar that a vendor could submit instead of its system's own output:
 * the profiles' example messages and resources (valid and invalid) and the receive templates. Keyed
 * by SHA-256, by MsgId and by FHIR content hash; each value names the file (relative to its root).
 */
export interface ShippedEvidence {
  sha256: Map<string, string>;
  msgIds: Map<string, string>;
  resources: Map<string, string>;
}

function* filesUnder(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(full);
    else if (entry.isFile()) yield full;
  }
}

function add(index: ShippedEvidence, file: string, label: string): void {
  const bytes = readFileSync(file);
  index.sha256.set(sha256Hex(bytes), label);
  if (file.endsWith('.xml')) {
    try {
      const msgId = withXml(bytes, (xml) => readMessageHeader(xml).msgId?.value);
      // A template's MsgId is a placeholder, not an id anyone could send.
      if (msgId && !msgId.includes('{{')) index.msgIds.set(msgId, label);
    } catch {
      // An invalid example that cannot be read has no MsgId; its SHA-256 is enough.
    }
  } else if (file.endsWith('.json')) {
    try {
      index.resources.set(resourceFingerprint(JSON.parse(bytes.toString('utf8'))), label);
    } catch {
      // Not JSON: the SHA-256 is enough.
    }
  }
}

/** Reads the shipped files once, at start-up (a few hundred small files). */
export function loadShippedEvidence(catalog: ProfileCatalog, testcaseTemplates: string = templatesDir()): ShippedEvidence {
  const index: ShippedEvidence = { sha256: new Map(), msgIds: new Map(), resources: new Map() };
  for (const profile of catalog.list()) {
    const examples = path.join(profile.dir, 'examples');
    for (const file of filesUnder(examples)) add(index, file, `profiles/${profile.manifest.id}/examples/${path.relative(examples, file).split(path.sep).join('/')}`);
  }
  for (const file of filesUnder(testcaseTemplates)) add(index, file, `testcases/templates/${path.relative(testcaseTemplates, file).split(path.sep).join('/')}`);
  return index;
}

/**
 * The index for the catalog as it is now: profiles imported, replaced or removed while the service
 * runs change it, and an imported profile's examples are as public as the shipped ones.
 */
export function shippedEvidenceOf(catalog: ProfileCatalog, testcaseTemplates: string = templatesDir()): () => ShippedEvidence {
  let built: { key: string; index: ShippedEvidence } | undefined;
  return () => {
    const key = catalog
      .list()
      .map((p) => `${p.dir}\u0000${p.sha256}`)
      .join('\n');
    if (built?.key !== key) built = { key, index: loadShippedEvidence(catalog, testcaseTemplates) };
    return built.index;
  };
}
