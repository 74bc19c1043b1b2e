import { actorOf, type Principal } from '../auth/principal.js';
import { SamsvarError } from '../core/samsvar-error.js';
import type { ProfileCatalog } from '../profiles/catalog.js';
import type { RegistryEntry } from '../registry/registry-view.js';
import { coverage, type SystemCoverage } from './coverage.js';
import { coverageMatrix, type MatrixRow } from './coverage-matrix.js';
import { parseRequirementSet, type RequirementSet } from './requirement-set.js';
import type { RequirementSetStore } from './requirement-set-store.js';

export interface RequirementSetServiceDeps {
  store: RequirementSetStore;
  catalog: ProfileCatalog;
  /**
   * A page of system versions (by name) with a declaration of any of these profiles in one of
   * these statuses, with those declarations and their current status: what coverage is judged from.
   */
  coveragePage(
    profiles: readonly string[],
    statuses: ReadonlyArray<'active' | 'revoked'>,
    limit: number,
    offset: number,
  ): Promise<{ total: number; entries: RegistryEntry[] }>;
  now: () => Date;
}

/** The most systems one coverage page holds (the API's `limit`). */
export const MAX_SYSTEMS_PER_PAGE = 500;

const profilesOf = (set: RequirementSet) => [...new Set(set.requirements.map((r) => r.profile))];

/** Requirement sets (kravsett) for procurement: administrators maintain them, anyone reads each system's coverage. */
export class RequirementSetService {
  constructor(private readonly deps: RequirementSetServiceDeps) {}

  async put(p: Principal, id: string, body: unknown): Promise<RequirementSet> {
    if (p.role !== 'admin') throw new SamsvarError('forbidden', 'only an administrator maintains requirement sets');
    const set = parseRequirementSet({ ...(body as object), id }, (profile) => this.deps.catalog.get(profile) !== undefined);
    await this.deps.store.put(set, actorOf(p), this.deps.now());
    return set;
  }

  async delete(p: Principal, id: string): Promise<void> {
    if (!(await this.deps.store.delete(id, actorOf(p), this.deps.now())))
      throw new SamsvarError('not_found', `requirement set '${id}' not found`);
  }

  list(): Promise<RequirementSet[]> {
    return this.deps.store.list();
  }

  /**
   * One page of systems (by system name) with an active declaration for the set, each with its
   * coverage, the page sorted by coverage, and how many such systems there are.
   */
  async coverage(id: string, limit: number, offset: number): Promise<{ set: RequirementSet; total: number; systems: SystemCoverage[] }> {
    const set = await this.get(id);
    const page = await this.deps.coveragePage(profilesOf(set), ['active'], limit, offset);
    return { set, total: page.total, systems: coverage(set, page.entries) };
  }

  /** Every system's coverage (the procurement annex lists them all), read a page at a time. */
  async fullCoverage(id: string): Promise<{ set: RequirementSet; systems: SystemCoverage[] }> {
    const set = await this.get(id);
    const entries: RegistryEntry[] = [];
    for (let offset = 0; ; offset += MAX_SYSTEMS_PER_PAGE) {
      const page = await this.deps.coveragePage(profilesOf(set), ['active'], MAX_SYSTEMS_PER_PAGE, offset);
      entries.push(...page.entries);
      if (offset + MAX_SYSTEMS_PER_PAGE >= page.total) break;
    }
    return { set, systems: coverage(set, entries) };
  }

  /** One page of the web page's matrix: systems (by name) with an active or revoked declaration for the set. */
  async matrix(id: string, limit: number, offset: number): Promise<{ set: RequirementSet; total: number; rows: MatrixRow[] }> {
    const set = await this.get(id);
    const page = await this.deps.coveragePage(profilesOf(set), ['active', 'revoked'], limit, offset);
    return { set, total: page.total, rows: coverageMatrix(set, page.entries) };
  }

  private async get(id: string): Promise<RequirementSet> {
    const set = await this.deps.store.get(id);
    if (!set) throw new SamsvarError('not_found', `requirement set '${id}' not found`);
    return set;
  }

  profileTitle = (id: string): string | undefined => this.deps.catalog.get(id)?.manifest.title;

  get clock(): () => Date {
    return this.deps.now;
  }
}
