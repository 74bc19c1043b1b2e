import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { SamsvarError } from '../core/samsvar-error.js';
import { importedProfilesDir, SHIPPED_PROFILES_DIR } from '../core/paths.js';
import { parseManifestBytes } from './manifest-schema.js';
import type { LoadedProfile } from './manifest.js';

/** Reads every file of a profile directory except its examples, keyed by relative POSIX path. */
function readProfileFiles(dir: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (relPath === 'examples' || entry.name.startsWith('.')) continue;
        walk(relPath);
      } else if (entry.isFile()) {
        files.set(relPath, readFileSync(path.join(dir, relPath)));
      }
    }
  };
  walk('');
  return files;
}

export function profileDigest(files: Map<string, Uint8Array>): string {
  const hash = createHash('sha256');
  for (const name of [...files.keys()].sort()) {
    const content = files.get(name)!;
    hash.update(`${name}\0${content.length}\0`);
    hash.update(content);
  }
  return hash.digest('hex');
}

export function loadProfileDir(dir: string, source: LoadedProfile['source']): LoadedProfile {
  const manifestPath = path.join(dir, 'profile.json');
  if (!existsSync(manifestPath)) throw new SamsvarError('profile_invalid', `${dir} has no profile.json`);
  const manifest = parseManifestBytes(readFileSync(manifestPath), manifestPath);
  // Files and digest are read on first use: detection needs only the manifests, and a one-file
  // validation then reads just the profile it validates against and those it uses.
  let content: { files: Map<string, Uint8Array>; sha256: string } | undefined;
  const read = () => {
    if (!content) {
      const files = readProfileFiles(dir);
      content = { files, sha256: profileDigest(files) };
    }
    return content;
  };
  return {
    manifest,
    dir,
    source,
    get files() {
      return read().files;
    },
    get sha256() {
      return read().sha256;
    },
  };
}

/**
 * The profiles known to this installation: shipped ones, then imported ones (which may not reuse an
 * id, except as a version of a shipped profile that administrators activated: it is served in the
 * shipped one's place, and the shipped one stays at hand by `shipped(id)`).
 */
export class ProfileCatalog {
  private readonly byId = new Map<string, LoadedProfile>();
  /** Shipped profiles whose id is served by an imported version now. */
  private readonly replacedShipped = new Map<string, LoadedProfile>();
  /** list() in order, kept until the catalog changes: detection walks it for every document. */
  private sorted: LoadedProfile[] | undefined;

  constructor(profiles: Iterable<LoadedProfile> = []) {
    for (const p of profiles) this.add(p);
  }

  add(profile: LoadedProfile): void {
    const existing = this.byId.get(profile.manifest.id);
    if (existing && existing.dir !== profile.dir) {
      throw new SamsvarError('conflict', `profile id ${profile.manifest.id} is defined both in ${existing.dir} and ${profile.dir}`);
    }
    this.byId.set(profile.manifest.id, profile);
    this.sorted = undefined;
  }

  /** Adds or replaces an imported profile (a new import of the same id, or a new version of a shipped profile put in its place). */
  put(profile: LoadedProfile): void {
    const id = profile.manifest.id;
    const existing = this.byId.get(id);
    if (existing?.source === 'shipped') this.replacedShipped.set(id, existing);
    this.byId.set(id, profile);
    this.sorted = undefined;
  }

  /** Takes an imported profile out again; a shipped profile it stood in for is served again. */
  remove(id: string): void {
    if (this.byId.get(id)?.source === 'imported') {
      const shipped = this.replacedShipped.get(id);
      if (shipped) this.byId.set(id, shipped);
      else this.byId.delete(id);
      this.replacedShipped.delete(id);
    }
    this.sorted = undefined;
  }

  /** The shipped profile of this id, whether it is served or an imported version stands in for it. */
  shipped(id: string): LoadedProfile | undefined {
    const served = this.byId.get(id);
    return served?.source === 'shipped' ? served : this.replacedShipped.get(id);
  }

  get(id: string): LoadedProfile | undefined {
    return this.byId.get(id);
  }

  require(id: string): LoadedProfile {
    const p = this.byId.get(id);
    if (!p) throw new SamsvarError('not_found', `unknown profile '${id}'; \`samsvar profiles list\` shows the known ones`);
    return p;
  }

  list(): LoadedProfile[] {
    // Code-point order: ids are lowercase letters, digits, '.' and '-', which ICU's default collation
    // orders the same way, and a localeCompare costs the ICU collator's start-up on every run.
    this.sorted ??= [...this.byId.values()].sort((a, b) => (a.manifest.id < b.manifest.id ? -1 : a.manifest.id > b.manifest.id ? 1 : 0));
    // A copy: callers may sort or filter what they get.
    return [...this.sorted];
  }
}

function subdirsWithManifest(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((name) => path.join(root, name))
    .filter((p) => statSync(p).isDirectory() && existsSync(path.join(p, 'profile.json')));
}

/** Loads shipped profiles and those imported into the data directory (`importedDir: null`: none). */
export function loadCatalog(opts: { shippedDir?: string; importedDir?: string | null } = {}): ProfileCatalog {
  const catalog = new ProfileCatalog();
  for (const dir of subdirsWithManifest(opts.shippedDir ?? SHIPPED_PROFILES_DIR)) catalog.add(loadProfileDir(dir, 'shipped'));
  if (opts.importedDir === null) return catalog;
  for (const dir of subdirsWithManifest(opts.importedDir ?? importedProfilesDir())) {
    const p = loadProfileDir(dir, 'imported');
    // A shipped profile's id in the data directory is a version of it that administrators activated.
    if (catalog.get(p.manifest.id)?.source === 'shipped') catalog.put(p);
    else catalog.add(p);
  }
  return catalog;
}
