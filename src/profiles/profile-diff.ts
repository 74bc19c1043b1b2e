/**
 * What changed between two versions of a profile: files (schemas and everything else), Schematron
 * rules by id (added, removed, test or message changed), code list entries by OID and code, and
 * test cases by file.
 */
import type { LoadedProfile } from './manifest.js';

export interface FileChanges { added: string[]; removed: string[]; changed: string[] }

export interface ProfileDiff {
  profile: string;
  from: { version: string; sha256: string };
  to: { version: string; sha256: string };
  /** XSD files and the OASIS catalog. */
  schemaFiles: FileChanges;
  /** Every other file outside rules/, code lists and test cases (manifest, StructureDefinitions …). */
  otherFiles: FileChanges;
  rules: { added: string[]; removed: string[]; changed: { id: string; what: string[] }[] };
  codelists: { oid: string; added: string[]; removed: string[]; changed: string[] }[];
  testcases: FileChanges;
}

const decoder = new TextDecoder();
const text = (b: Uint8Array | undefined) => (b ? decoder.decode(b) : '');
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

function fileChanges(from: Map<string, Uint8Array>, to: Map<string, Uint8Array>, pick: (name: string) => boolean): FileChanges {
  const names = (m: Map<string, Uint8Array>) => [...m.keys()].filter(pick).sort();
  return {
    added: names(to).filter((n) => !from.has(n)),
    removed: names(from).filter((n) => !to.has(n)),
    changed: names(to).filter((n) => from.has(n) && !same(from.get(n)!, to.get(n)!)),
  };
}

/** Schematron asserts and reports by id, with their test and message text (whitespace folded). */
function schematronRules(files: Map<string, Uint8Array>): Map<string, { test: string; message: string; role: string }> {
  const rules = new Map<string, { test: string; message: string; role: string }>();
  const fold = (s: string) => s.replace(/\s+/g, ' ').trim();
  for (const [name, bytes] of files) {
    if (!name.endsWith('.sch')) continue;
    for (const m of text(bytes).matchAll(/<(?:\w+:)?(assert|report)\b([^>]*)>([\s\S]*?)<\/(?:\w+:)?\1>/g)) {
      const attrs = m[2]!;
      const attr = (a: string) => new RegExp(`\\b${a}\\s*=\\s*("([^"]*)"|'([^']*)')`).exec(attrs);
      const id = attr('id');
      if (!id) continue;
      const test = attr('test');
      const role = attr('role');
      rules.set(id[2] ?? id[3]!, { test: fold(test?.[2] ?? test?.[3] ?? ''), message: fold(m[3]!), role: role?.[2] ?? role?.[3] ?? '' });
    }
  }
  return rules;
}

function codelists(files: Map<string, Uint8Array>): Map<string, Map<string, string>> {
  const lists = new Map<string, Map<string, string>>();
  for (const [name, bytes] of files) {
    if (!name.startsWith('codelists/') || !name.endsWith('.json')) continue;
    try {
      const raw = JSON.parse(text(bytes)) as { oid?: string; codes?: { code?: string; display?: string }[] };
      if (typeof raw.oid !== 'string' || !Array.isArray(raw.codes)) continue;
      lists.set(raw.oid, new Map(raw.codes.filter((c) => typeof c.code === 'string').map((c) => [c.code!, c.display ?? ''])));
    } catch {
      // An unreadable list cannot have been imported; the file diff still shows it.
    }
  }
  return lists;
}

export function diffProfiles(from: LoadedProfile, to: LoadedProfile): ProfileDiff {
  const isSchema = (n: string) => n.endsWith('.xsd') || n === ((from.manifest as { catalog?: string }).catalog ?? 'catalog.xml') || n === ((to.manifest as { catalog?: string }).catalog ?? 'catalog.xml');
  const isRule = (n: string) => n.endsWith('.sch');
  const isCodelist = (n: string) => n.startsWith('codelists/');
  const isTestcase = (n: string) => n.startsWith('testcases/');

  const a = schematronRules(from.files);
  const b = schematronRules(to.files);
  const changedRules: { id: string; what: string[] }[] = [];
  for (const [id, r] of b) {
    const old = a.get(id);
    if (!old) continue;
    const what = (['test', 'message', 'role'] as const).filter((k) => old[k] !== r[k]);
    if (what.length) changedRules.push({ id, what });
  }

  const ca = codelists(from.files);
  const cb = codelists(to.files);
  const lists: ProfileDiff['codelists'] = [];
  for (const oid of [...new Set([...ca.keys(), ...cb.keys()])].sort()) {
    const x = ca.get(oid) ?? new Map<string, string>();
    const y = cb.get(oid) ?? new Map<string, string>();
    const entry = {
      oid,
      added: [...y.keys()].filter((c) => !x.has(c)).sort(),
      removed: [...x.keys()].filter((c) => !y.has(c)).sort(),
      changed: [...y.keys()].filter((c) => x.has(c) && x.get(c) !== y.get(c)).sort(),
    };
    if (entry.added.length || entry.removed.length || entry.changed.length) lists.push(entry);
  }

  return {
    profile: to.manifest.id,
    from: { version: from.manifest.version, sha256: from.sha256 },
    to: { version: to.manifest.version, sha256: to.sha256 },
    schemaFiles: fileChanges(from.files, to.files, isSchema),
    otherFiles: fileChanges(from.files, to.files, (n) => !isSchema(n) && !isRule(n) && !isCodelist(n) && !isTestcase(n)),
    rules: { added: [...b.keys()].filter((id) => !a.has(id)).sort(), removed: [...a.keys()].filter((id) => !b.has(id)).sort(), changed: changedRules.sort((p, q) => p.id.localeCompare(q.id)) },
    codelists: lists,
    testcases: fileChanges(from.files, to.files, isTestcase),
  };
}
