/**
 * Import of FHIR packages (the npm layout HL7 and HL7 Norway publish IGs in) as catalog profiles.
 * The package is kept once under `<profiles root>/.fhir-packages/<name>#<version>/`; each
 * StructureDefinition that constrains a resource becomes a catalog profile directory that names
 * the package in `dependencies`, so `GET /profiles` and test cases can use it by id.
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  copyFileSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import * as tar from 'tar';
import { SamsvarError } from '../core/samsvar-error.js';
import { SHIPPED_PROFILES_DIR } from '../core/paths.js';
import type { FhirProfileManifest } from '../profiles/manifest.js';
import type { StructureDefinition } from './conformance-store.js';
import {
  BUILT_IN_PACKAGES,
  packageDir,
  packagesRoot,
  readConformanceResources,
  readPackageManifest,
  resolveDependency,
} from './package-store.js';

export interface PackageImportLimits {
  /** Size of the .tgz file; default 100 MB. */
  maxArchiveBytes?: number;
  /** Sum of the unpacked file sizes; default 500 MB. */
  maxUnpackedBytes?: number;
  /** Number of entries in the archive; default 50,000. */
  maxEntries?: number;
}

const DEFAULT_LIMITS = { maxArchiveBytes: 100 * 1024 * 1024, maxUnpackedBytes: 500 * 1024 * 1024, maxEntries: 50_000 };

export interface ImportedFhirPackage {
  /** `name#version` */
  package: string;
  dir: string;
  /** Catalog profiles created from the package's resource profiles. */
  profiles: { id: string; url: string; type: string; dir: string }[];
  dependencies: string[];
}

export interface ImportOptions {
  limits?: PackageImportLimits;
  /** Profile ids already used elsewhere (shipped profiles are always checked). */
  takenIds?: Iterable<string>;
}

/** True for a .tgz/.tar.gz file or a directory holding `package/package.json`. */
export function isFhirPackage(pathOrDir: string): boolean {
  if (!existsSync(pathOrDir)) return false;
  const st = statSync(pathOrDir);
  if (st.isDirectory()) return existsSync(path.join(pathOrDir, 'package', 'package.json'));
  return st.isFile() && /\.(tgz|tar\.gz)$/i.test(pathOrDir);
}

/** Safe path inside an archive: relative, no `..`, no absolute or drive prefix. */
function safeEntryPath(p: string): boolean {
  if (!p || p.startsWith('/') || p.startsWith('\\') || /^[a-zA-Z]:/.test(p)) return false;
  return !p.split(/[\\/]/).some((seg) => seg === '..');
}

/** Unpacks a .tgz after a first pass over every entry (paths, types, count, sizes) refused anything hostile. */
export async function unpackTarArchive(file: string, into: string, limits: Required<PackageImportLimits>): Promise<void> {
  const size = statSync(file).size;
  if (size > limits.maxArchiveBytes) {
    throw new SamsvarError(
      'payload_too_large',
      `${path.basename(file)} is ${size} bytes; FHIR packages larger than ${limits.maxArchiveBytes} bytes are refused`,
    );
  }
  // First pass: look at every entry before anything touches the disk.
  let entries = 0;
  let total = 0;
  let problem: string | undefined;
  try {
    await tar.t({
      file,
      onReadEntry: (entry) => {
        entries++;
        total += entry.size ?? 0;
        if (problem) return;
        if (!safeEntryPath(entry.path)) problem = `entry '${entry.path}' points outside the package (absolute path or '..')`;
        else if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'Directory')
          problem = `entry '${entry.path}' is a ${entry.type}; only plain files and directories are accepted`;
        else if (entries > limits.maxEntries) problem = `the archive has more than ${limits.maxEntries} entries`;
        else if (total > limits.maxUnpackedBytes) problem = `the archive unpacks to more than ${limits.maxUnpackedBytes} bytes`;
      },
    });
  } catch (e) {
    throw new SamsvarError('bad_request', `${path.basename(file)} is not a readable .tgz archive: ${(e as Error).message}`);
  }
  if (problem) throw new SamsvarError('bad_request', `package ${path.basename(file)} refused: ${problem}`);
  mkdirSync(into, { recursive: true });
  // Second pass extracts, with the same rules enforced again by filter (the file could change between passes).
  let written = 0;
  await tar.x({
    file,
    cwd: into,
    strict: true,
    preservePaths: false,
    filter: (p, entry) => {
      const e = entry as tar.ReadEntry;
      written += e.size ?? 0;
      return (
        safeEntryPath(p) && (e.type === 'File' || e.type === 'OldFile' || e.type === 'Directory') && written <= limits.maxUnpackedBytes
      );
    },
  });
}

/** Copies a `package/` folder, refusing symlinks and anything but plain files and folders. */
function copyPackageDir(from: string, to: string, limits: Required<PackageImportLimits>): void {
  let total = 0;
  let count = 0;
  const walk = (rel: string) => {
    mkdirSync(path.join(to, rel), { recursive: true });
    for (const name of readdirSync(path.join(from, rel))) {
      const r = path.join(rel, name);
      const st = lstatSync(path.join(from, r));
      if (st.isSymbolicLink()) throw new SamsvarError('bad_request', `FHIR package refused: ${r} is a symbolic link`);
      if (++count > limits.maxEntries) throw new SamsvarError('bad_request', `FHIR package refused: more than ${limits.maxEntries} files`);
      if (st.isDirectory()) walk(r);
      else if (st.isFile()) {
        total += st.size;
        if (total > limits.maxUnpackedBytes)
          throw new SamsvarError('payload_too_large', `FHIR package refused: more than ${limits.maxUnpackedBytes} bytes`);
        copyFileSync(path.join(from, r), path.join(to, r));
      } else throw new SamsvarError('bad_request', `FHIR package refused: ${r} is not a plain file`);
    }
  };
  walk('');
}

const ID_PATTERN = /^[a-z0-9][a-z0-9.-]{1,80}$/;

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 81);
}

function shippedIds(): Set<string> {
  const ids = new Set<string>();
  if (!existsSync(SHIPPED_PROFILES_DIR)) return ids;
  for (const name of readdirSync(SHIPPED_PROFILES_DIR)) {
    const manifest = path.join(SHIPPED_PROFILES_DIR, name, 'profile.json');
    if (!existsSync(manifest)) continue;
    try {
      ids.add((JSON.parse(readFileSync(manifest, 'utf8')) as { id: string }).id);
    } catch {
      ids.add(name);
    }
  }
  return ids;
}

/**
 * Imports a FHIR package from a .tgz or a directory into `targetRoot` (normally
 * $SAMSVAR_DATA/profiles). Dependencies must already be imported, except the FHIR R4 core package,
 * which is built in.
 */
export async function importFhirPackage(source: string, targetRoot: string, options: ImportOptions = {}): Promise<ImportedFhirPackage> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  if (!isFhirPackage(source)) {
    throw new SamsvarError(
      'bad_request',
      `${source} is not a FHIR package: expected a .tgz or a directory containing package/package.json`,
    );
  }
  const staging = path.join(packagesRoot(targetRoot), `.staging-${randomUUID()}`);
  mkdirSync(staging, { recursive: true });
  try {
    if (statSync(source).isDirectory()) copyPackageDir(path.join(source, 'package'), path.join(staging, 'package'), limits);
    else await unpackTarArchive(source, staging, limits);
    const pkgFolder = path.join(staging, 'package');
    if (!existsSync(path.join(pkgFolder, 'package.json'))) {
      throw new SamsvarError(
        'bad_request',
        `${path.basename(source)} has no package/package.json; FHIR packages use the npm layout (package/package.json with name, version and dependencies)`,
      );
    }
    const manifest = readPackageManifest(pkgFolder);
    if (manifest.fhirVersions?.length && !manifest.fhirVersions.some((v) => v.startsWith('4.0'))) {
      throw new SamsvarError(
        'unprocessable',
        `FHIR package ${manifest.name}#${manifest.version} is for FHIR ${manifest.fhirVersions.join(', ')}; samsvar validates FHIR R4 (4.0.x)`,
      );
    }
    const dependencies: string[] = [];
    for (const [name, version] of Object.entries(manifest.dependencies ?? {})) {
      if (BUILT_IN_PACKAGES.has(name)) continue;
      const found = resolveDependency(targetRoot, name, version);
      if (!found) {
        throw new SamsvarError(
          'unprocessable',
          `FHIR package ${manifest.name}#${manifest.version} depends on ${name}#${version}, which is not imported; import that package first`,
          { missing: `${name}#${version}` },
        );
      }
      dependencies.push(`${name}#${found}`);
    }
    const resources = readConformanceResources(pkgFolder);
    const dest = packageDir(targetRoot, manifest.name, manifest.version);
    rmSync(dest, { recursive: true, force: true });
    renameSync(staging, dest);

    const taken = new Set([...shippedIds(), ...(options.takenIds ?? [])]);
    const own = `${manifest.name}#${manifest.version}`;
    const profiles: ImportedFhirPackage['profiles'] = [];
    const sds = resources.filter((r): r is StructureDefinition => r.resourceType === 'StructureDefinition') as StructureDefinition[];
    for (const sd of sds) {
      if (sd.kind !== 'resource' || sd.derivation !== 'constraint' || sd.abstract || !sd.id) continue;
      let id = slug(sd.id);
      if (taken.has(id) || !ID_PATTERN.test(id)) id = slug(`${manifest.name}.${sd.id}`);
      if (taken.has(id) || !ID_PATTERN.test(id)) {
        throw new SamsvarError('conflict', `cannot find a free profile id for ${sd.url} (tried ${slug(sd.id)} and ${id})`);
      }
      const existing = path.join(targetRoot, id, 'profile.json');
      if (existsSync(existing)) {
        const prev = JSON.parse(readFileSync(existing, 'utf8')) as FhirProfileManifest;
        if (prev.url !== sd.url) throw new SamsvarError('conflict', `profile id ${id} is already used by ${prev.url}`);
      }
      taken.add(id);
      const dir = path.join(targetRoot, id);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const file = `StructureDefinition-${slug(sd.id)}.json`;
      writeFileSync(path.join(dir, file), JSON.stringify(sd, null, 2));
      const profile: FhirProfileManifest = {
        id,
        version: manifest.version,
        title: String(sd.title ?? sd.name ?? sd.id),
        kind: 'fhir',
        status: 'active',
        ...(typeof sd.description === 'string' ? { description: sd.description } : {}),
        specification: own,
        // The package is the standard: its profiles are listed together, by the package's version.
        standard: { id: slug(manifest.name), name: String(manifest.title ?? manifest.name), version: manifest.version },
        messageTypes: [sd.type],
        url: sd.url,
        resources: [file],
        dependencies: [own, ...dependencies],
      };
      writeFileSync(path.join(dir, 'profile.json'), JSON.stringify(profile, null, 2) + '\n');
      profiles.push({ id, url: sd.url, type: sd.type, dir });
    }
    return { package: own, dir: dest, profiles, dependencies };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
