/**
 * Administration of profile versions: import of a whole package (checked before anything is kept),
 * immutable versions (id + version bound to the SHA-256 of the content), the lifecycle draft →
 * active → deprecated → retired, the diff between two versions and the impact of a change.
 *
 * Layout under the data directory's profiles folder: `.versions/<id>/<version>/` holds every
 * imported version as accepted; `<id>/` is the version the catalog serves (the newest activated
 * one, or the first import while it is a draft).
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { newId } from '../core/ids.js';
import { SamsvarError } from '../core/samsvar-error.js';
import { importFhirPackage } from '../fhir/package-import.js';
import { packageDir, readPackageManifest } from '../fhir/package-store.js';
import { loadProfileDir, profileDigest, type ProfileCatalog } from '../profiles/catalog.js';
import type { LoadedProfile, XmlProfileManifest } from '../profiles/manifest.js';
import { codelistFileName, type CsvCodeList } from '../xml/codelist-csv.js';
import { unpackPackage, packageLayout } from './package-archive.js';
import { checkFhirPackage, checkProfilePackage, type PackageProblem } from './package-check.js';
import { diffProfiles, type ProfileDiff } from '../profiles/profile-diff.js';
import { loadTestcases } from '../testcases/load-testcases.js';
import type { Testcase } from '../testcases/testcase.js';
import type { ProfileLifecycle, ProfileVersionChange, ProfileVersionRecord } from '../storage/profile-repository.js';
import type { Repository } from '../storage/repository.js';
import type { TestcaseSuite } from './testcase-suite.js';

/** Used as a folder name: one plain segment, never `..` or a slash. */
const VERSION_PATTERN = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/;

export interface ProfileAdminDeps {
  repo: Repository;
  catalog: ProfileCatalog;
  testcases: TestcaseSuite;
  /** `$SAMSVAR_DATA/profiles`. */
  profilesRoot: string;
  /** Called after the catalog changed, so validation workers take up the new content. */
  reloadEngine?: () => void;
}

export interface ImportedVersion {
  id: string;
  version: string;
  sha256: string;
  status: ProfileLifecycle;
  /** False when exactly this content was imported before (nothing changed). */
  created: boolean;
  testcases: number;
  examples: { valid: number; invalid: number };
}

export interface ImportOutcome {
  format: 'zip' | 'tgz';
  kind: 'profile' | 'fhir-package';
  profiles: ImportedVersion[];
}

export interface StatusRequest {
  status: ProfileLifecycle;
  reason?: string;
  /** Required for `deprecated`: what to use instead. */
  replacement?: string;
  /** With `active`: declarations tested against another version of the profile must be re-tested by then. */
  retestDeadline?: string;
}

function refusedPackage(problems: PackageProblem[]): SamsvarError {
  const list = problems.map((p) => `${p.file ? `${p.file}: ` : ''}${p.message}`).join('\n');
  return new SamsvarError('unprocessable', `the package was refused; nothing was imported. ${problems.length} problem(s):\n${list}`, {
    problems,
  });
}

/** The test cases shipped inside imported profiles (`<profile>/testcases/*.json`). */
export function loadProfileTestcases(catalog: ProfileCatalog): Testcase[] {
  return catalog
    .list()
    .filter((p) => p.source === 'imported' && existsSync(path.join(p.dir, 'testcases')))
    .flatMap((p) => loadTestcases(path.join(p.dir, 'testcases'), catalog));
}

export class ProfileAdmin {
  /** Imports and status changes run one at a time: each moves files and the catalog as a whole. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: ProfileAdminDeps) {}

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private get versionsRoot(): string {
    return path.join(this.deps.profilesRoot, '.versions');
  }

  private versionDir(id: string, version: string): string {
    if (!VERSION_PATTERN.test(version))
      throw new SamsvarError('unprocessable', `version '${version}' must be letters, digits, '.', '-', '_' or '+' (no '/' or '..')`);
    return path.join(this.versionsRoot, id, version);
  }

  importPackage(bytes: Uint8Array, actor: string): Promise<ImportOutcome> {
    return this.serial(() => this.importPackageNow(bytes, actor));
  }

  private async importPackageNow(bytes: Uint8Array, actor: string): Promise<ImportOutcome> {
    mkdirSync(this.deps.profilesRoot, { recursive: true });
    const scratch = path.join(this.deps.profilesRoot, `.import-${newId()}`);
    mkdirSync(scratch);
    try {
      const unpacked = path.join(scratch, 'unpacked');
      const format = await unpackPackage(bytes, unpacked, scratch);
      const layout = packageLayout(unpacked);
      if (layout.kind === 'fhir-package') return { format, kind: 'fhir-package', profiles: await this.importFhir(layout.dir, actor) };
      // A downloaded package keeps its test cases beside the profiles; an imported profile carries them in its own testcases/.
      if (layout.testcasesDir && !existsSync(path.join(layout.dir, 'testcases')))
        cpSync(layout.testcasesDir, path.join(layout.dir, 'testcases'), { recursive: true });
      return { format, kind: 'profile', profiles: [await this.importProfileDir(layout.dir, actor)] };
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }

  /**
   * Code lists (from a CSV export) installed into a profile as a new version: the version the
   * catalog serves is copied with its test cases, each list replaces the file that holds its OID (or
   * joins `codelists`), `version` becomes the manifest's version, and the result is imported like a
   * package — the same checks, immutable versions, and `draft` until activated. `from` takes
   * another stored version (a draft, say) as the base instead of the served one.
   */
  installCodelists(id: string, version: string, lists: readonly CsvCodeList[], actor: string, from?: string): Promise<ImportedVersion> {
    return this.serial(async () => {
      const base = from === undefined ? this.deps.catalog.get(id) : this.stored(id, from);
      if (!base) throw new SamsvarError('not_found', `profile '${id}' not found`);
      if (base.manifest.kind !== 'xml')
        throw new SamsvarError(
          'unprocessable',
          `profile ${id} is a FHIR profile; code lists from CSV go into XML profiles (FHIR code systems come with their package)`,
        );
      this.versionDir(id, version); // refuses a version that cannot be a folder name, before any copying
      mkdirSync(this.deps.profilesRoot, { recursive: true });
      const scratch = path.join(this.deps.profilesRoot, `.import-${newId()}`);
      try {
        const dir = path.join(scratch, id);
        cpSync(base.dir, dir, {
          recursive: true,
          filter: (src) => src === base.dir || !(path.basename(src).startsWith('.') && statSync(src).isDirectory()),
        });
        // A shipped profile's test cases live beside the profiles; an imported version carries them itself.
        if (!existsSync(path.join(dir, 'testcases')))
          copyTestcases(
            this.deps.testcases.list().filter((tc) => tc.profile === id),
            path.join(dir, 'testcases'),
          );
        const manifestFile = path.join(dir, 'profile.json');
        const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as XmlProfileManifest & Record<string, unknown>;
        const files = [...(manifest.codelists ?? [])];
        const oidOf = (rel: string): unknown => {
          try {
            return (JSON.parse(readFileSync(path.join(dir, rel), 'utf8')) as { oid?: unknown }).oid;
          } catch {
            return undefined;
          }
        };
        for (const list of lists) {
          let rel = files.find((f) => oidOf(f) === list.oid);
          if (!rel) {
            rel = `codelists/${codelistFileName(list)}`;
            if (existsSync(path.join(dir, rel))) rel = `codelists/${list.oid}.json`;
            files.push(rel);
          }
          mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
          writeFileSync(path.join(dir, rel), JSON.stringify(list, null, 2) + '\n');
        }
        writeFileSync(manifestFile, JSON.stringify({ ...manifest, version, codelists: files }, null, 2) + '\n');
        return await this.importProfileDir(dir, actor);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    });
  }

  /** Imports a profile directory (unpacked, or given on the command line), checked as a whole. */
  private async importProfileDir(dir: string, actor: string): Promise<ImportedVersion> {
    // Lifecycle lives in the database: the manifest's own status is dropped, so content alone decides the SHA-256.
    const manifestFile = path.join(dir, 'profile.json');
    try {
      const raw = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
      delete raw.status;
      writeFileSync(manifestFile, JSON.stringify(raw, null, 2) + '\n');
    } catch (e) {
      throw refusedPackage([{ check: 'manifest', file: 'profile.json', message: `not valid JSON: ${(e as Error).message}` }]);
    }
    const checked = await checkProfilePackage(dir, this.deps.catalog);
    if ('problems' in checked) throw refusedPackage(checked.problems);
    const { profile, testcases, examples } = checked.ok;
    const { id, version } = profile.manifest;
    const existing = this.deps.catalog.get(id);
    if (existing?.source === 'shipped' && existing.manifest.version === version) {
      throw new SamsvarError(
        'conflict',
        `profile ${id} ${version} is shipped with samsvar; an import of it is a new version: change "version" in profile.json`,
      );
    }
    const target = this.versionDir(id, version);
    const known = (await this.deps.repo.profiles.profileVersions(id)).find((v) => v.version === version);
    if (known) {
      if (known.sha256 !== profile.sha256) {
        throw new SamsvarError(
          'conflict',
          `profile ${id} version ${version} already exists with other content (sha256 ${known.sha256}); versions are immutable: give the changed profile a new version`,
          { sha256: known.sha256 },
        );
      }
      return { id, version, sha256: known.sha256, status: known.status, created: false, testcases: testcases.length, examples };
    }
    if (existing && existing.manifest.version === version && existing.sha256 !== profile.sha256) {
      throw new SamsvarError(
        'conflict',
        `profile ${id} version ${version} is installed with other content (sha256 ${existing.sha256}); versions are immutable: give the changed profile a new version`,
      );
    }
    mkdirSync(path.dirname(target), { recursive: true });
    rmSync(target, { recursive: true, force: true });
    cpSync(dir, target, { recursive: true });
    const firstOfId = !existing;
    try {
      if (firstOfId) this.serve(id, version);
      await this.deps.repo.profiles.insertProfileVersion(
        {
          profileId: id,
          version,
          sha256: profile.sha256,
          kind: profile.manifest.kind,
          catalogStatus: firstOfId,
          details: { testcases: testcases.length },
        },
        actor,
      );
    } catch (e) {
      // Nothing half-imported remains: the stored copy and a catalog entry made for it go again.
      rmSync(target, { recursive: true, force: true });
      if (firstOfId) this.unserve(id);
      throw e;
    }
    return { id, version, sha256: profile.sha256, status: 'draft', created: true, testcases: testcases.length, examples };
  }

  private async importFhir(pkgRoot: string, actor: string): Promise<ImportedVersion[]> {
    const folder = path.join(pkgRoot, 'package');
    const problems = checkFhirPackage(folder, this.deps.profilesRoot);
    if (problems.length) throw refusedPackage(problems);
    const manifest = readPackageManifest(folder);
    const stored = packageDir(this.deps.profilesRoot, manifest.name, manifest.version);
    if (existsSync(stored)) {
      const digest = (dir: string) => profileDigest(loadFiles(dir));
      if (digest(path.join(stored, 'package')) !== digest(folder)) {
        throw new SamsvarError(
          'conflict',
          `FHIR package ${manifest.name}#${manifest.version} is already imported with other content; versions are immutable`,
        );
      }
    }
    // importFhirPackage writes each profile where the catalog serves it; a version served before goes back there, so the new one stays a draft.
    // Read now: a catalog profile reads its files on first use, and the import is about to overwrite them.
    const before = new Map(
      this.deps.catalog
        .list()
        .filter((p) => p.source === 'imported')
        .map((p) => [p.manifest.id, { manifest: p.manifest, files: p.files }]),
    );
    const imported = await importFhirPackage(pkgRoot, this.deps.profilesRoot, {
      takenIds: this.deps.catalog
        .list()
        .filter((p) => p.source === 'shipped')
        .map((p) => p.manifest.id),
    });
    const out: ImportedVersion[] = [];
    for (const p of imported.profiles) {
      const loaded = loadProfileDir(p.dir, 'imported');
      const known = (await this.deps.repo.profiles.profileVersions(p.id)).find((v) => v.version === loaded.manifest.version);
      const previous = before.get(p.id);
      const keepPrevious = previous !== undefined && previous.manifest.version !== loaded.manifest.version;
      if (!known) {
        const target = this.versionDir(p.id, loaded.manifest.version);
        rmSync(target, { recursive: true, force: true });
        mkdirSync(path.dirname(target), { recursive: true });
        cpSync(p.dir, target, { recursive: true });
      }
      if (keepPrevious) {
        rmSync(p.dir, { recursive: true, force: true });
        for (const [name, bytes] of previous.files) {
          mkdirSync(path.dirname(path.join(p.dir, name)), { recursive: true });
          writeFileSync(path.join(p.dir, name), bytes);
        }
      }
      this.deps.catalog.put(loadProfileDir(p.dir, 'imported'));
      if (!known) {
        await this.deps.repo.profiles.insertProfileVersion(
          {
            profileId: p.id,
            version: loaded.manifest.version,
            sha256: loaded.sha256,
            kind: 'fhir',
            catalogStatus: !keepPrevious,
            details: { package: imported.package },
          },
          actor,
        );
      }
      out.push({
        id: p.id,
        version: loaded.manifest.version,
        sha256: loaded.sha256,
        status: known?.status ?? 'draft',
        created: !known,
        testcases: 0,
        examples: { valid: 0, invalid: 0 },
      });
    }
    this.deps.reloadEngine?.();
    return out;
  }

  /** Puts the stored version in the catalog's place for its id (files, catalog entry, test cases, workers). */
  private serve(id: string, version: string): LoadedProfile {
    const from = this.versionDir(id, version);
    const live = path.join(this.deps.profilesRoot, id);
    const swap = path.join(this.deps.profilesRoot, `.swap-${newId()}`);
    cpSync(from, swap, { recursive: true });
    const old = path.join(this.deps.profilesRoot, `.old-${newId()}`);
    if (existsSync(live)) renameSync(live, old);
    renameSync(swap, live);
    rmSync(old, { recursive: true, force: true });
    const loaded = loadProfileDir(live, 'imported');
    this.deps.catalog.put(loaded);
    const tcDir = path.join(live, 'testcases');
    this.deps.testcases.replaceProfileTestcases?.(id, existsSync(tcDir) ? loadTestcases(tcDir, this.deps.catalog) : []);
    this.deps.reloadEngine?.();
    return loaded;
  }

  private unserve(id: string): void {
    rmSync(path.join(this.deps.profilesRoot, id), { recursive: true, force: true });
    this.deps.catalog.remove?.(id);
    this.deps.testcases.replaceProfileTestcases?.(id, []);
  }

  /** The versions administrators manage for a profile, oldest first, with the one the catalog serves marked. */
  async versions(id: string): Promise<Array<ProfileVersionRecord & { served: boolean }>> {
    const rows = await this.deps.repo.profiles.profileVersions(id);
    const served = this.deps.catalog.get(id);
    if (rows.length === 0 && !served) throw new SamsvarError('not_found', `profile '${id}' not found`);
    return rows.map((r) => ({ ...r, served: served?.manifest.version === r.version && served.sha256 === r.sha256 }));
  }

  private async record(id: string, version: string): Promise<ProfileVersionRecord> {
    const row = (await this.deps.repo.profiles.profileVersions(id)).find((v) => v.version === version);
    if (!row) throw new SamsvarError('not_found', `profile ${id} has no imported version ${version}`);
    return row;
  }

  /**
   * Moves a version through its lifecycle. Activating a version the catalog does not serve puts it
   * in place and deprecates the active version it replaces; a deadline marks declarations tested
   * against other versions `re-test required`.
   */
  setStatus(id: string, version: string, req: StatusRequest, actor: string): Promise<ProfileVersionRecord> {
    return this.serial(() => this.setStatusNow(id, version, req, actor));
  }

  private async setStatusNow(id: string, version: string, req: StatusRequest, actor: string): Promise<ProfileVersionRecord> {
    const row = await this.record(id, version);
    if (row.status === req.status) throw new SamsvarError('conflict', `profile ${id} ${version} is already ${req.status}`);
    if (req.status === 'deprecated' && !req.replacement)
      throw new SamsvarError('unprocessable', 'a deprecated version names its replacement (replacement: a profile id or version)', {
        field: 'replacement',
      });
    if (req.retestDeadline !== undefined) {
      if (req.status !== 'active')
        throw new SamsvarError('unprocessable', 'retestDeadline goes with status active (publishing a new version)', {
          field: 'retestDeadline',
        });
      if (Number.isNaN(Date.parse(req.retestDeadline)))
        throw new SamsvarError('unprocessable', `retestDeadline '${req.retestDeadline}' is not a date`, { field: 'retestDeadline' });
    }
    const served = this.deps.catalog.get(id);
    const isServed = served?.manifest.version === version && served.sha256 === row.sha256;
    if (req.status === 'active' && !isServed && served?.source === 'shipped') {
      throw new SamsvarError(
        'conflict',
        `profile ${id} is shipped with samsvar, which serves its version ${served.manifest.version}; an imported version of it stays a draft (for review and diff) until a samsvar release ships it`,
      );
    }
    const changes: ProfileVersionChange[] = [];
    const reason = req.reason ?? null;
    if (req.status === 'active' && !isServed) {
      // The version the catalog served is replaced; if it was in use it becomes deprecated, pointing here.
      const previous = served
        ? (await this.deps.repo.profiles.profileVersions(id)).find(
            (v) => v.version === served.manifest.version && v.sha256 === served.sha256,
          )
        : undefined;
      if (previous && (previous.status === 'active' || previous.status === 'deprecated')) {
        changes.push({
          profileId: id,
          version: previous.version,
          status: 'deprecated',
          reason: `replaced by ${version}`,
          replacement: `${id} ${version}`,
        });
      }
      this.serve(id, version);
    }
    changes.push({
      profileId: id,
      version,
      status: req.status,
      reason,
      catalogStatus: req.status === 'active' || isServed,
      ...(req.replacement !== undefined ? { replacement: req.replacement } : {}),
      // Each activation states its own deadline (or none): an old one never comes back with a later activation.
      ...(req.retestDeadline !== undefined
        ? { retestDeadline: new Date(req.retestDeadline).toISOString() }
        : req.status === 'active'
          ? { retestDeadline: null }
          : {}),
    });
    await this.deps.repo.profiles.changeProfileVersions(changes, actor);
    return this.record(id, version);
  }

  /**
   * A status change for the version the catalog serves (`POST /profiles/{id}/status`, the
   * administrators' page): through the version's lifecycle when it is a managed version, so that
   * declarations listing that version follow it; otherwise as the profile's status.
   */
  changeServedStatus(id: string, status: ProfileLifecycle, reason: string | null, actor: string): Promise<void> {
    return this.serial(() => this.changeServedStatusNow(id, status, reason, actor));
  }

  private async changeServedStatusNow(id: string, status: ProfileLifecycle, reason: string | null, actor: string): Promise<void> {
    const served = this.deps.catalog.get(id);
    if (!served) throw new SamsvarError('not_found', `profile '${id}' not found`);
    const row = (await this.deps.repo.profiles.profileVersions(id)).find(
      (v) => v.version === served.manifest.version && v.sha256 === served.sha256,
    );
    if (!row) {
      await this.deps.repo.profiles.setProfileStatus(id, status, reason, actor);
      return;
    }
    if (row.status === status) return;
    await this.setStatusNow(
      id,
      row.version,
      {
        status,
        ...(reason ? { reason } : {}),
        ...(status === 'deprecated' ? { replacement: row.replacement ?? reason ?? 'see the reason given' } : {}),
      },
      actor,
    );
  }

  private stored(id: string, version: string): LoadedProfile {
    const dir = this.versionDir(id, version);
    if (existsSync(path.join(dir, 'profile.json'))) return loadProfileDir(dir, 'imported');
    const served = this.deps.catalog.get(id);
    if (served?.manifest.version === version) return served;
    throw new SamsvarError('not_found', `profile ${id} has no version ${version}`);
  }

  diff(id: string, from: string, to: string): ProfileDiff {
    return diffProfiles(this.stored(id, from), this.stored(id, to));
  }

  /** Runs opened against a version (declarations come from the registry, which the caller adds). */
  async runsUsing(id: string, version: string) {
    return this.deps.repo.profiles.runsUsingProfile(id, version);
  }
}

/** Test case files with their message templates, as a profile's own `testcases/` folder holds them. */
function copyTestcases(testcases: readonly Testcase[], into: string): void {
  for (const tc of testcases) {
    if (!tc.source || !existsSync(tc.source)) continue;
    mkdirSync(into, { recursive: true });
    cpSync(tc.source, path.join(into, `${tc.id}.json`));
    if (tc.kind === 'receive' && tc.message.template) {
      const template = path.join(path.dirname(tc.source), 'templates', tc.message.template);
      if (existsSync(template)) cpSync(template, path.join(into, 'templates', tc.message.template));
    }
  }
}

function loadFiles(dir: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) files.set(r, readFileSync(path.join(dir, r)));
    }
  };
  walk('');
  return files;
}
