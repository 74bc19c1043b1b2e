/**
 * Checks a whole profile package before it is accepted: the manifest, every schema and Schematron
 * rule (compiled), every code list (parsed), every test case in `testcases/` (loaded against the
 * profile), every example (valid ones pass, invalid ones fail with the rules they name). Every
 * problem is collected, so the administrator sees them all at once.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { SamsvarError } from '../core/samsvar-error.js';
import { Engine } from '../engine/engine.js';
import { baseConformance, ConformanceStore, type FhirResource, type StructureDefinition } from '../fhir/conformance-store.js';
import { packageResourcesFor, readConformanceResources, readPackageManifest } from '../fhir/package-store.js';
import { snapshotOf } from '../fhir/snapshot.js';
import { loadTestcaseFile } from '../testcases/load-testcases.js';
import type { Testcase } from '../testcases/testcase.js';
import { loadCodeLists } from '../xml/codelists.js';
import { XmlValidator } from '../xml/xml-validator.js';
import { loadProfileDir, ProfileCatalog } from '../profiles/catalog.js';
import type { LoadedProfile, XmlProfileManifest } from '../profiles/manifest.js';

export interface PackageProblem {
  /** What was checked: manifest, schema, codelist, testcase, example, structure-definition. */
  check: string;
  /** The file in the package, when the problem belongs to one. */
  file?: string;
  message: string;
}

export interface CheckedProfile {
  profile: LoadedProfile;
  testcases: Testcase[];
  examples: { valid: number; invalid: number };
}

const messageOf = (e: unknown) => (e instanceof SamsvarError ? e.detail : (e as Error).message);

function exampleFiles(dir: string, kind: 'valid' | 'invalid'): string[] {
  const d = path.join(dir, 'examples', kind);
  return existsSync(d)
    ? readdirSync(d)
        .filter((f) => statSync(path.join(d, f)).isFile())
        .sort()
    : [];
}

/**
 * Checks the profile directory `dir` as if it joined `catalog` (which may hold an earlier version
 * of the same id: the new content takes its place for the check). Returns the loaded profile and
 * its test cases, or every problem found.
 */
export async function checkProfilePackage(
  dir: string,
  catalog: ProfileCatalog,
): Promise<{ ok: CheckedProfile } | { problems: PackageProblem[] }> {
  let profile: LoadedProfile;
  try {
    profile = loadProfileDir(dir, 'imported');
  } catch (e) {
    return { problems: [{ check: 'manifest', file: 'profile.json', message: messageOf(e) }] };
  }
  const problems: PackageProblem[] = [];
  const id = profile.manifest.id;
  const probe = new ProfileCatalog([...catalog.list().filter((p) => p.manifest.id !== id), profile]);

  if (profile.manifest.kind === 'xml') {
    const m = profile.manifest as XmlProfileManifest;
    for (const rel of m.codelists ?? []) {
      try {
        loadCodeLists([{ ...profile, manifest: { ...m, codelists: [rel] } }]);
      } catch (e) {
        problems.push({ check: 'codelist', file: rel, message: messageOf(e) });
      }
    }
  }
  const engine = new Engine(probe);
  let compiled = true;
  try {
    // Compiles every XSD (imports and includes resolved through the catalog), every Schematron XPath and every code list.
    if (profile.manifest.kind === 'xml') new XmlValidator(probe).prepare(profile);
    // For FHIR, validating any resource against the profile builds its snapshot first.
    else await engine.validate(new TextEncoder().encode('{"resourceType":"Basic"}'), { profile: id });
  } catch (e) {
    compiled = false;
    problems.push({ check: profile.manifest.kind === 'xml' ? 'schema' : 'structure-definition', message: messageOf(e) });
  }

  const testcases: Testcase[] = [];
  const tcDir = path.join(dir, 'testcases');
  if (existsSync(tcDir)) {
    for (const f of readdirSync(tcDir)
      .filter((n) => n.endsWith('.json'))
      .sort()) {
      try {
        const tc = loadTestcaseFile(path.join(tcDir, f), probe, tcDir);
        if (tc.profile !== id)
          problems.push({
            check: 'testcase',
            file: `testcases/${f}`,
            message: `test case ${tc.id} is for profile '${tc.profile}'; a package's test cases are for its own profile '${id}'`,
          });
        else testcases.push(tc);
      } catch (e) {
        problems.push({ check: 'testcase', file: `testcases/${f}`, message: messageOf(e) });
      }
    }
  }

  const examples = { valid: 0, invalid: 0 };
  if (compiled) {
    for (const f of exampleFiles(dir, 'valid')) {
      examples.valid++;
      try {
        const r = await engine.validate(readFileSync(path.join(dir, 'examples', 'valid', f)), { profile: id });
        const errors = r.findings.filter((x) => x.severity === 'error');
        if (!r.valid)
          problems.push({
            check: 'example',
            file: `examples/valid/${f}`,
            message: `a valid example must pass, but it fails with ${errors.map((x) => `${x.ruleId}${x.line ? ` (line ${x.line})` : ''}: ${x.message}`).join('; ')}`,
          });
      } catch (e) {
        problems.push({ check: 'example', file: `examples/valid/${f}`, message: messageOf(e) });
      }
    }
    for (const f of exampleFiles(dir, 'invalid')) {
      examples.invalid++;
      const expected = profile.manifest.examples?.invalid?.[f] ?? [f.split('--')[0]!];
      try {
        const r = await engine.validate(readFileSync(path.join(dir, 'examples', 'invalid', f)), { profile: id });
        const rules = new Set(r.findings.filter((x) => x.severity === 'error').map((x) => x.ruleId));
        const missing = expected.filter((ruleId) => !rules.has(ruleId));
        if (r.valid)
          problems.push({
            check: 'example',
            file: `examples/invalid/${f}`,
            message: `an invalid example must fail with ${expected.join(', ')}, but it passes`,
          });
        else if (missing.length)
          problems.push({
            check: 'example',
            file: `examples/invalid/${f}`,
            message: `an invalid example must fail with ${missing.join(', ')}; it fails with ${[...rules].join(', ') || 'no error'}`,
          });
      } catch (e) {
        problems.push({ check: 'example', file: `examples/invalid/${f}`, message: messageOf(e) });
      }
    }
  }
  return problems.length ? { problems } : { ok: { profile, testcases, examples } };
}

/**
 * A FHIR package in the npm layout: every StructureDefinition in it must get a snapshot (its own or
 * one generated from its base, with the package's dependencies as imported under `profilesRoot`).
 */
export function checkFhirPackage(packageFolder: string, profilesRoot: string): PackageProblem[] {
  const problems: PackageProblem[] = [];
  let resources: FhirResource[];
  const store = new ConformanceStore(baseConformance());
  try {
    const manifest = readPackageManifest(packageFolder);
    for (const [name, version] of Object.entries(manifest.dependencies ?? {}))
      for (const r of packageResourcesFor(`${name}#${version}`, profilesRoot)) store.add(r);
    resources = readConformanceResources(packageFolder);
  } catch (e) {
    return [{ check: 'manifest', file: 'package/package.json', message: messageOf(e) }];
  }
  for (const r of resources) store.add(r);
  for (const sd of resources.filter((r): r is StructureDefinition => r.resourceType === 'StructureDefinition') as StructureDefinition[]) {
    try {
      if (!snapshotOf(sd, store).length)
        problems.push({ check: 'structure-definition', file: String(sd.url), message: 'the snapshot is empty' });
    } catch (e) {
      problems.push({ check: 'structure-definition', file: String(sd.url ?? sd.id), message: messageOf(e) });
    }
  }
  return problems;
}
