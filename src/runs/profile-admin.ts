/**
 * Administration of profile versions: import of a whole package (checked before anything is kept),
 * immutable versions (id + version bound to the SHA-256 of the content), the lifecycle draft →
 * active → deprecated → retired, the diff between two versions and the impact of a change.
 *
 * Every imported version is kept in the database with its content (profile-package-store.ts), and
 * the version served for each id is recorded there too, so every instance over the database serves
 * the same; ProfileSync puts what the database says in the catalog (the newest activated version,
 * or the first import while it is a draft). A new version of a shipped profile, once activated, is
 * served in the shipped one's place; the shipped version then has a version row of its own, so it
 * is deprecated, retired or activated again like any other.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
import { encodeFiles, readDirFiles } from '../profiles/file-bundle.js';
import { ProfilePackageStore, recordShippedVersion, type AnyTransaction } from '../storage/profile-package-store.js';
import type { ProfileLifecycle, ProfileVersionChange, ProfileVersionRecord } from '../storage/profile-repository.js';
import type { Repository } from '../storage/repository.js';
import { fhirPackageDigest, type ProfileSync } from './profile-sync.js';
import type { TestcaseSuite } from './testcase-suite.js';
import { usersOf } from '../profiles/used-profiles.js';

export interface ProfileAdminDeps {
  repo: Repository;
  catalog: ProfileCatalog;
  testcases: TestcaseSuite;
  /** `$SAMSVAR_DATA/profiles`. */
  profilesRoot: string;
  /** Puts what the database serves in the catalog (and the workers); every change here goes through it. */
  sync: ProfileSync;
  store: ProfilePackageStore;
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

  private versionDir(id: string, version: string): string {
    return this.deps.sync.versionDir(id, version);
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
      await this.deps.sync.refresh();
      const base = from === undefined ? this.deps.catalog.get(id) : await this.stored(id, from);
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
    await this.deps.sync.refresh();
    const existing = this.deps.catalog.get(id);
    if (this.deps.catalog.shipped(id)?.manifest.version === version) {
      throw new SamsvarError(
        'conflict',
        `profile ${id} ${version} is shipped with samsvar; an import of it is a new version: change "version" in profile.json`,
      );
    }
    const target = this.versionDir(id, version);
    const same = async (): Promise<ImportedVersion | undefined> => {
      const known = (await this.deps.repo.profiles.profileVersions(id)).find((v) => v.version === version);
      if (!known) return undefined;
      if (known.sha256 !== profile.sha256) {
        throw new SamsvarError(
          'conflict',
          `profile ${id} version ${version} already exists with other content (sha256 ${known.sha256}); versions are immutable: give the changed profile a new version`,
          { sha256: known.sha256 },
        );
      }
      return { id, version, sha256: known.sha256, status: known.status, created: false, testcases: testcases.length, examples };
    };
    const before = await same();
    if (before) return before;
    if (existing && existing.manifest.version === version && existing.sha256 !== profile.sha256) {
      throw new SamsvarError(
        'conflict',
        `profile ${id} version ${version} is installed with other content (sha256 ${existing.sha256}); versions are immutable: give the changed profile a new version`,
      );
    }
    const firstOfId = !existing;
    const content = encodeFiles(readDirFiles(dir));
    try {
      // The row, the content and (for a new id) what is served commit together: nothing half-imported remains.
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
        async (trx) => {
          await ProfilePackageStore.put(trx, { sha256: profile.sha256, kind: 'profile', name: id, version, content });
          if (firstOfId) await ProfilePackageStore.serve(trx, { profileId: id, version, sha256: profile.sha256 });
        },
      );
    } catch (e) {
      // Another instance over the same database may have imported this version a moment ago.
      const after = await same().catch(() => undefined);
      if (after) return after;
      throw e;
    }
    // The cache of this instance; another one unpacks the version from the database when it needs it.
    mkdirSync(path.dirname(target), { recursive: true });
    rmSync(target, { recursive: true, force: true });
    cpSync(dir, target, { recursive: true });
    await this.deps.sync.refresh();
    return { id, version, sha256: profile.sha256, status: 'draft', created: true, testcases: testcases.length, examples };
  }

  private async importFhir(pkgRoot: string, actor: string): Promise<ImportedVersion[]> {
    const folder = path.join(pkgRoot, 'package');
    const problems = checkFhirPackage(folder, this.deps.profilesRoot);
    if (problems.length) throw refusedPackage(problems);
    const manifest = readPackageManifest(folder);
    const stored = packageDir(this.deps.profilesRoot, manifest.name, manifest.version);
    if (existsSync(stored)) {
      const digest = (dir: string) => profileDigest(readDirFiles(dir));
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
    // The package itself is kept in the database too: the FHIR profiles made from it validate with its resources.
    const packageContent = {
      sha256: fhirPackageDigest(imported.dir),
      kind: 'fhir-package' as const,
      name: manifest.name,
      version: manifest.version,
      content: encodeFiles(readDirFiles(imported.dir)),
    };
    const out: ImportedVersion[] = [];
    for (const p of imported.profiles) {
      // Its digest is read now, from the new files: the previous version's may be put back in p.dir below.
      const fresh = loadProfileDir(p.dir, 'imported');
      const loaded = { manifest: fresh.manifest, sha256: fresh.sha256 };
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
        const version = loaded.manifest.version;
        const profileContent = encodeFiles(readDirFiles(this.versionDir(p.id, version)));
        await this.deps.repo.profiles.insertProfileVersion(
          {
            profileId: p.id,
            version,
            sha256: loaded.sha256,
            kind: 'fhir',
            catalogStatus: !keepPrevious,
            details: { package: imported.package },
          },
          actor,
          async (trx) => {
            await ProfilePackageStore.put(trx, packageContent);
            await ProfilePackageStore.put(trx, { sha256: loaded.sha256, kind: 'profile', name: p.id, version, content: profileContent });
            if (!keepPrevious) await ProfilePackageStore.serve(trx, { profileId: p.id, version, sha256: loaded.sha256 });
          },
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
    if (!imported.profiles.length) await this.deps.store.putNow(packageContent);
    this.deps.reloadEngine?.();
    await this.deps.sync.refresh();
    return out;
  }

  /** The versions administrators manage for a profile, oldest first, with the one the catalog serves marked. */
  async versions(id: string): Promise<Array<ProfileVersionRecord & { served: boolean }>> {
    await this.deps.sync.refresh();
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
    await this.deps.sync.refresh();
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
    const changes: ProfileVersionChange[] = [];
    const reason = req.reason ?? null;
    const usedBy = usersOf(this.deps.catalog).get(id) ?? [];
    let within: ((trx: AnyTransaction) => Promise<void>) | undefined;
    if (req.status === 'active' && !isServed) {
      // The version the catalog served is replaced; if it was in use it becomes deprecated, pointing here.
      let previous = served
        ? (await this.deps.repo.profiles.profileVersions(id)).find(
            (v) => v.version === served.manifest.version && v.sha256 === served.sha256,
          )
        : undefined;
      // A shipped version replaced for the first time gets a version row of its own (active, as it was), so it can be deprecated and used again.
      const recordShipped = served?.source === 'shipped' && !previous ? served : undefined;
      if (recordShipped) previous = { status: 'active', version: recordShipped.manifest.version } as ProfileVersionRecord;
      if (previous && (previous.status === 'active' || previous.status === 'deprecated')) {
        changes.push({
          profileId: id,
          version: previous.version,
          status: 'deprecated',
          reason: `replaced by ${version}`,
          replacement: `${id} ${version}`,
          usedBy,
        });
      }
      // Unpacked before the change commits: a version whose content cannot be served is refused, not half-activated.
      if (row.sha256 !== this.deps.catalog.shipped(id)?.sha256) await this.deps.sync.materialise(id, version, row.sha256);
      within = async (trx) => {
        if (recordShipped) await recordShippedVersion(trx, recordShipped, actor);
        await ProfilePackageStore.serve(trx, { profileId: id, version, sha256: row.sha256 });
      };
    }
    changes.push({
      profileId: id,
      version,
      status: req.status,
      reason,
      usedBy,
      catalogStatus: req.status === 'active' || isServed,
      ...(req.replacement !== undefined ? { replacement: req.replacement } : {}),
      // Each activation states its own deadline (or none): an old one never comes back with a later activation.
      ...(req.retestDeadline !== undefined
        ? { retestDeadline: new Date(req.retestDeadline).toISOString() }
        : req.status === 'active'
          ? { retestDeadline: null }
          : {}),
    });
    await this.deps.repo.profiles.changeProfileVersions(changes, actor, within);
    await this.deps.sync.refresh();
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
      await this.deps.repo.profiles.setProfileStatus(id, status, reason, actor, usersOf(this.deps.catalog).get(id));
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

  /** A version by id and version: imported (from this instance's cache, else the database), shipped, or the one served. */
  private async stored(id: string, version: string): Promise<LoadedProfile> {
    const dir = this.versionDir(id, version);
    const row = (await this.deps.repo.profiles.profileVersions(id)).find((v) => v.version === version);
    if (existsSync(path.join(dir, 'profile.json'))) {
      const cached = loadProfileDir(dir, 'imported');
      if (!row || cached.sha256 === row.sha256) return cached;
    }
    const shipped = this.deps.catalog.shipped(id);
    if (shipped?.manifest.version === version) return shipped;
    const served = this.deps.catalog.get(id);
    if (served?.manifest.version === version) return served;
    if (row && (await this.deps.store.has(row.sha256)))
      return loadProfileDir(await this.deps.sync.materialise(id, version, row.sha256), 'imported');
    throw new SamsvarError('not_found', `profile ${id} has no version ${version}`);
  }

  /**
   * A managed version by id and version, with its status and its test cases: what a package of a
   * version other than the served one is built from.
   */
  async versionContent(id: string, version: string): Promise<{ profile: LoadedProfile; status: ProfileLifecycle; testcases: Testcase[] }> {
    await this.deps.sync.refresh();
    const row = await this.record(id, version);
    const profile = await this.stored(id, version);
    if (profile.sha256 !== row.sha256)
      throw new SamsvarError('not_found', `profile ${id} has no version ${version} with its recorded content`);
    const tcDir = path.join(profile.dir, 'testcases');
    const testcases =
      profile.source === 'shipped'
        ? this.deps.sync.shippedTestcasesOf(id)
        : existsSync(tcDir)
          ? loadTestcases(tcDir, this.deps.catalog)
          : [];
    return { profile, status: row.status, testcases };
  }

  async diff(id: string, from: string, to: string): Promise<ProfileDiff> {
    return diffProfiles(await this.stored(id, from), await this.stored(id, to));
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
