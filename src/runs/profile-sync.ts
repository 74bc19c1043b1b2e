/**
 * The catalog as the database has it. Imported profile versions (and FHIR packages) are kept in
 * the database; this service's data directory is a cache of them, keyed by SHA-256 and checked
 * against it. `refresh()` takes up what any instance over the same database changed: the version
 * served for each managed profile id, with its test cases, for the API, the test cases and the
 * validation workers alike.
 *
 * Layout of the cache under the profiles folder: `.versions/<id>/<version>/` is each version as
 * imported; `<id>/` the one served (FHIR profiles find their packages beside it, in
 * `.fhir-packages/`).
 */
import { cpSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { newId } from '../core/ids.js';
import { SamsvarError } from '../core/samsvar-error.js';
import { packagesRoot } from '../fhir/package-store.js';
import { loadProfileDir, profileDigest, type ProfileCatalog } from '../profiles/catalog.js';
import { decodeFiles, encodeFiles, readDirFiles, writeFiles } from '../profiles/file-bundle.js';
import type { LoadedProfile } from '../profiles/manifest.js';
import type { ProfilePackageStore, ServedVersion } from '../storage/profile-package-store.js';
import { loadTestcases } from '../testcases/load-testcases.js';
import type { Testcase } from '../testcases/testcase.js';
import type { TestcaseSuite } from './testcase-suite.js';

/** Used as a folder name: one plain segment, never `..` or a slash. */
export const VERSION_PATTERN = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/;

export interface ProfileSyncDeps {
  store: ProfilePackageStore;
  catalog: ProfileCatalog;
  testcases: TestcaseSuite;
  /** `$SAMSVAR_DATA/profiles`. */
  profilesRoot: string;
  /** Called after the catalog changed, so validation workers take up the new content. */
  reloadEngine?: () => void;
  log?: (message: string) => void;
}

/** The digest of a FHIR package folder as kept (`<name>#<version>/`, every file). */
export function fhirPackageDigest(dir: string): string {
  return profileDigest(readDirFiles(dir));
}

export class ProfileSync {
  /** What this instance serves for each managed id (its SHA-256), as last applied. */
  private readonly applied = new Map<string, string>();
  /** A shipped profile's own test cases, kept while an imported version of it is served. */
  private readonly shippedTestcases = new Map<string, Testcase[]>();
  private inflight: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private started = false;

  constructor(private readonly deps: ProfileSyncDeps) {}

  versionDir(id: string, version: string): string {
    if (!VERSION_PATTERN.test(version))
      throw new SamsvarError('unprocessable', `version '${version}' must be letters, digits, '.', '-', '_' or '+' (no '/' or '..')`);
    return path.join(this.deps.profilesRoot, '.versions', id, version);
  }

  /**
   * Takes up what the database says is served, as of a moment after the call. Callers that come
   * while a look-up is under way share the next one, so a burst of requests costs two queries.
   */
  refresh(): Promise<void> {
    if (!this.inflight) {
      this.inflight = this.refreshNow().finally(() => (this.inflight = undefined));
      return this.inflight;
    }
    // The look-up under way may have read the database before the caller's own change committed: one more follows it.
    this.queued ??= this.inflight
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.refresh();
      });
    return this.queued;
  }

  /** Like refresh(), for a request: a database that does not answer leaves the catalog as it was. */
  async refreshQuietly(): Promise<void> {
    try {
      await this.refresh();
    } catch (e) {
      this.deps.log?.(`samsvar: the profiles could not be compared with the database (${(e as Error).message}); serving those loaded`);
    }
  }

  private async refreshNow(): Promise<void> {
    const rows = await this.deps.store.serving();
    const first = !this.started;
    this.started = true;
    const dropped = first && this.dropStaleOverrides(new Set(rows.map((r) => r.profileId)));
    const changed = rows.filter((r) => this.applied.get(r.profileId) !== r.sha256);
    if (changed.length === 0) {
      if (dropped) this.deps.reloadEngine?.();
      return;
    }
    if (changed.some((r) => r.sha256 !== this.deps.catalog.shipped(r.profileId)?.sha256)) await this.materialiseFhirPackages();
    for (const r of changed) {
      try {
        await this.serve(r);
      } catch (e) {
        // One damaged version must not keep the others from being served; it is tried again on the next refresh.
        this.deps.log?.(`samsvar: profile ${r.profileId} ${r.version} could not be served: ${(e as Error).message}`);
      }
    }
    this.deps.reloadEngine?.();
  }

  /**
   * A version of a shipped profile found in the data directory that the database does not serve
   * (left from another database, or written by hand) gives the shipped profile its place back.
   */
  private dropStaleOverrides(managed: Set<string>): boolean {
    let dropped = false;
    for (const p of this.deps.catalog.list()) {
      const id = p.manifest.id;
      if (p.source !== 'imported' || managed.has(id) || !this.deps.catalog.shipped(id)) continue;
      this.deps.log?.(
        `samsvar: ${p.dir} stands in for the shipped profile ${id} without the database saying so; the shipped one is served`,
      );
      this.deps.catalog.remove(id);
      this.deps.testcases.replaceProfileTestcases?.(id, this.shippedOwn(id));
      dropped = true;
    }
    return dropped;
  }

  /** The test cases a shipped profile came with (not those of a version imported for it). */
  private shippedOwn(id: string): Testcase[] {
    const root = path.resolve(this.deps.profilesRoot) + path.sep;
    return this.deps.testcases.list().filter((tc) => tc.profile === id && !(tc.source && path.resolve(tc.source).startsWith(root)));
  }

  /** Every stored FHIR package in `.fhir-packages/`, where the FHIR profiles made from them look. */
  private async materialiseFhirPackages(): Promise<void> {
    for (const pkg of await this.deps.store.list('fhir-package')) {
      const dir = path.join(packagesRoot(this.deps.profilesRoot), `${pkg.name}#${pkg.version}`);
      if (existsSync(dir)) continue;
      await this.unpackInto(dir, pkg.sha256, (d) => fhirPackageDigest(d));
    }
  }

  /** Writes stored content into `dir` through a scratch folder, checked against its SHA-256 before it appears. */
  private async unpackInto(dir: string, sha256: string, digest: (dir: string) => string): Promise<void> {
    const bytes = await this.deps.store.content(sha256);
    if (!bytes) throw new SamsvarError('profile_invalid', `no stored content with SHA-256 ${sha256}`);
    const scratch = path.join(this.deps.profilesRoot, `.unpack-${newId()}`);
    try {
      writeFiles(scratch, decodeFiles(bytes));
      const got = digest(scratch);
      if (got !== sha256) throw new SamsvarError('profile_invalid', `stored content ${sha256} unpacks to ${got}`);
      mkdirSync(path.dirname(dir), { recursive: true });
      rmSync(dir, { recursive: true, force: true });
      renameSync(scratch, dir);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }

  /**
   * The directory of a stored version, from the cache when it holds that content, else unpacked
   * from the database (an instance that did not import it, or a data directory started empty).
   */
  async materialise(id: string, version: string, sha256: string): Promise<string> {
    const dir = this.versionDir(id, version);
    if (existsSync(path.join(dir, 'profile.json')) && loadProfileDir(dir, 'imported').sha256 === sha256) return dir;
    await this.unpackInto(dir, sha256, (d) => loadProfileDir(d, 'imported').sha256);
    return dir;
  }

  /** Puts a version in the catalog's place for its id (files, catalog entry, test cases). */
  private async serve(v: ServedVersion): Promise<void> {
    const { catalog, testcases, profilesRoot } = this.deps;
    const live = path.join(profilesRoot, v.profileId);
    const shipped = catalog.shipped(v.profileId);
    if (shipped && shipped.sha256 === v.sha256) {
      // The shipped version again: the imported one it stood in for leaves the catalog and the data directory.
      if (catalog.get(v.profileId) !== shipped) {
        catalog.remove(v.profileId);
        rmSync(live, { recursive: true, force: true });
        testcases.replaceProfileTestcases?.(v.profileId, this.shippedTestcases.get(v.profileId) ?? this.shippedOwn(v.profileId));
      }
      this.applied.set(v.profileId, v.sha256);
      return;
    }
    const current = catalog.get(v.profileId);
    let loaded: LoadedProfile;
    if (current?.source === 'imported' && current.dir === live && current.sha256 === v.sha256) {
      loaded = current; // served already (loaded from the data directory at start)
    } else {
      const from = await this.materialise(v.profileId, v.version, v.sha256);
      const swap = path.join(profilesRoot, `.swap-${newId()}`);
      cpSync(from, swap, { recursive: true });
      const old = path.join(profilesRoot, `.old-${newId()}`);
      if (existsSync(live)) renameSync(live, old);
      renameSync(swap, live);
      rmSync(old, { recursive: true, force: true });
      loaded = loadProfileDir(live, 'imported');
    }
    if (shipped && !this.shippedTestcases.has(v.profileId)) this.shippedTestcases.set(v.profileId, this.shippedOwn(v.profileId));
    catalog.put(loaded);
    const tcDir = path.join(live, 'testcases');
    testcases.replaceProfileTestcases?.(v.profileId, existsSync(tcDir) ? loadTestcases(tcDir, catalog) : []);
    this.applied.set(v.profileId, v.sha256);
  }

  /**
   * A data directory from before the database kept profile content (migration 0700): the versions
   * the database lists and this directory holds go into the database, and the version served here
   * for such an id becomes the one the database serves. Runs once at start; later it finds nothing to do.
   */
  async adoptLocalVersions(versions: readonly { profileId: string; version: string; sha256: string }[]): Promise<void> {
    const served = new Set((await this.deps.store.serving()).map((r) => r.profileId));
    for (const v of versions) {
      if (await this.deps.store.has(v.sha256)) continue;
      const dir = path.join(this.deps.profilesRoot, '.versions', v.profileId, v.version);
      if (!VERSION_PATTERN.test(v.version) || !existsSync(path.join(dir, 'profile.json'))) continue;
      if (loadProfileDir(dir, 'imported').sha256 !== v.sha256) continue;
      await this.deps.store.putNow({
        sha256: v.sha256,
        kind: 'profile',
        name: v.profileId,
        version: v.version,
        content: encodeFiles(readDirFiles(dir)),
      });
    }
    for (const id of new Set(versions.map((v) => v.profileId))) {
      const p = this.deps.catalog.get(id);
      if (served.has(id) || p?.source !== 'imported') continue;
      const v = versions.find((r) => r.profileId === id && r.version === p.manifest.version && r.sha256 === p.sha256);
      if (v) await this.deps.store.serveNow(v);
    }
  }

  /** The test cases of a shipped profile, also while an imported version of it is served. */
  shippedTestcasesOf(id: string): Testcase[] {
    return this.shippedTestcases.get(id) ?? this.shippedOwn(id);
  }

  /** Forgets what was applied for an id (its import could not be completed), so the next refresh serves what the database says. */
  forget(id: string): void {
    this.applied.delete(id);
  }
}
