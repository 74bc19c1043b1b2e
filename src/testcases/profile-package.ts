/**
 * A profile as a download (`GET /profiles/{id}/package`): the profile directory with its examples,
 * every profile it builds on or its test cases check against (`uses`, AppRec versions, live-step
 * profiles), the FHIR packages they depend on, and its test cases with their message templates, so a
 * vendor validates offline with exactly the files the service uses:
 *
 *   samsvar-package.json          what is inside, with each profile's SHA-256
 *   profiles/<id>/…               one directory per profile (`samsvar validate --profile-dir profiles`)
 *   profiles/.fhir-packages/…     FHIR packages the FHIR profiles depend on
 *   testcases/<id>.json, testcases/templates/…
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create as createTar } from 'tar';
import { loadCatalog, type ProfileCatalog } from '../profiles/catalog.js';
import { SamsvarError } from '../core/samsvar-error.js';
import type { LoadedProfile } from '../profiles/manifest.js';
import { BUILT_IN_PACKAGES, packageDir, readPackageManifest, resolveDependency, splitDependency } from '../fhir/package-store.js';
import { acceptedAppRecProfiles } from './evaluate-submission.js';
import type { Testcase } from './testcase.js';

export const PACKAGE_MANIFEST = 'samsvar-package.json';
export const PACKAGE_FORMAT = 'samsvar-profile-package/1';

export interface PackageManifestFile {
  format: typeof PACKAGE_FORMAT;
  profile: string;
  version: string;
  sha256: string;
  profiles: { id: string; version: string; sha256: string; kind: string }[];
  testcases: string[];
  fhirPackages: string[];
}

/** The profiles a profile's package must carry: itself, what it uses, and what its test cases validate against. */
export function packageProfiles(root: LoadedProfile, testcases: readonly Testcase[], catalog: ProfileCatalog): LoadedProfile[] {
  const out = new Map<string, LoadedProfile>();
  const add = (id: string) => {
    if (out.has(id)) return;
    // The root may be a version other than the one the catalog serves (an older or a draft version).
    const p = id === root.manifest.id ? root : catalog.require(id);
    out.set(id, p);
    if (p.manifest.kind === 'xml') for (const u of p.manifest.uses ?? []) add(u);
  };
  add(root.manifest.id);
  for (const tc of testcases) {
    if (tc.kind === 'receive') acceptedAppRecProfiles(tc, catalog).forEach(add);
    if (tc.kind === 'live') for (const s of tc.steps) add(('read' in s ? s.read.profile : s.search.profile) ?? tc.profile);
  }
  return [...out.values()];
}

/** FHIR packages (`name#version` directories) the given profiles need, dependencies of dependencies included. */
function fhirPackagesOf(profiles: readonly LoadedProfile[]): { dir: string; name: string }[] {
  const found = new Map<string, string>();
  const visit = (dep: string, profilesRoot: string) => {
    const { name, version } = splitDependency(dep);
    if (BUILT_IN_PACKAGES.has(name)) return;
    const resolved = resolveDependency(profilesRoot, name, version);
    if (resolved === undefined) return; // the service could not validate with it either; its validation says so
    const key = `${name}#${resolved}`;
    if (found.has(key)) return;
    const dir = packageDir(profilesRoot, name, resolved);
    found.set(key, dir);
    for (const [n, v] of Object.entries(readPackageManifest(path.join(dir, 'package')).dependencies ?? {})) visit(`${n}#${v}`, profilesRoot);
  };
  for (const p of profiles) if (p.manifest.kind === 'fhir') for (const d of p.manifest.dependencies ?? []) visit(d, path.dirname(p.dir));
  return [...found].map(([name, dir]) => ({ name, dir }));
}

/**
 * Writes the package as a gzipped tar (portable headers, times set to the epoch: nothing about the
 * server's files but their content) and returns it with the manifest. Dot-directories of a profile
 * are left out, as the catalog leaves them out of the profile's SHA-256.
 */
export async function buildProfilePackage(root: LoadedProfile, testcases: readonly Testcase[], catalog: ProfileCatalog): Promise<{ bytes: Buffer; manifest: PackageManifestFile }> {
  const own = testcases.filter((t) => t.profile === root.manifest.id);
  const profiles = packageProfiles(root, own, catalog);
  const fhirPackages = fhirPackagesOf(profiles);
  const stage = mkdtempSync(path.join(tmpdir(), 'samsvar-package-'));
  try {
    for (const p of profiles) cpSync(p.dir, path.join(stage, 'profiles', p.manifest.id), { recursive: true, filter: (src) => src === p.dir || !(path.basename(src).startsWith('.') && statSync(src).isDirectory()) });
    for (const f of fhirPackages) cpSync(f.dir, path.join(stage, 'profiles', '.fhir-packages', f.name), { recursive: true });
    mkdirSync(path.join(stage, 'testcases', 'templates'), { recursive: true });
    for (const tc of own) {
      if (tc.source && existsSync(tc.source)) writeFileSync(path.join(stage, 'testcases', `${tc.id}.json`), readFileSync(tc.source));
      if (tc.kind === 'receive' && tc.message.template && tc.source) {
        const template = path.join(path.dirname(tc.source), 'templates', tc.message.template);
        if (existsSync(template)) cpSync(template, path.join(stage, 'testcases', 'templates', tc.message.template));
      }
    }
    const manifest: PackageManifestFile = {
      format: PACKAGE_FORMAT,
      profile: root.manifest.id,
      version: root.manifest.version,
      sha256: root.sha256,
      profiles: profiles.map((p) => ({ id: p.manifest.id, version: p.manifest.version, sha256: p.sha256, kind: p.manifest.kind })),
      testcases: own.map((t) => t.id),
      fhirPackages: fhirPackages.map((f) => f.name),
    };
    writeFileSync(path.join(stage, PACKAGE_MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
    const chunks: Buffer[] = [];
    const stream = createTar({ cwd: stage, gzip: true, portable: true, mtime: new Date(0), sync: false }, [PACKAGE_MANIFEST, 'profiles', 'testcases']);
    for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
    return { bytes: Buffer.concat(chunks), manifest };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/**
 * The profiles of an unpacked package (its profiles/) or of a directory of profile directories,
 * alone: `--profile-dir` validates with exactly these, not the shipped or imported ones.
 */
export function catalogOfProfileDir(dir: string): ProfileCatalog {
  const root = existsSync(path.join(dir, PACKAGE_MANIFEST)) ? path.join(dir, 'profiles') : dir;
  const catalog = loadCatalog({ shippedDir: root, importedDir: null });
  if (catalog.list().length === 0) throw new SamsvarError('bad_request', `--profile-dir ${dir} holds no profile (no subdirectory with a profile.json)`);
  return catalog;
}

/** The test case directory of an unpacked package, when DIR is one. */
export function testcasesDirOfPackage(dir: string): string | undefined {
  return existsSync(path.join(dir, PACKAGE_MANIFEST)) ? path.join(dir, 'testcases') : undefined;
}
