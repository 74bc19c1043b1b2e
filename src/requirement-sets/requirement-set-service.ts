import { actorOf, type Principal } from '../auth/principal.js';
import { SamsvarError } from '../core/samsvar-error.js';
import type { ProfileCatalog } from '../profiles/catalog.js';
import type { RegistryEntry } from '../registry/registry-view.js';
import { coverage, type SystemCoverage } from './coverage.js';
import { parseRequirementSet, type RequirementSet } from './requirement-set.js';
import type { RequirementSetStore } from './requirement-set-store.js';

export interface RequirementSetServiceDeps {
  store: RequirementSetStore;
  catalog: ProfileCatalog;
  /** The registry's declarations with their current status, which coverage is judged from. */
  entries(): Promise<RegistryEntry[]>;
  now: () => Date;
}

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

  async coverage(id: string): Promise<{ set: RequirementSet; systems: SystemCoverage[] }> {
    const set = await this.deps.store.get(id);
    if (!set) throw new SamsvarError('not_found', `requirement set '${id}' not found`);
    return { set, systems: coverage(set, await this.deps.entries()) };
  }

  /** Every set with the registry as it stands (the web page's coverage matrix needs both). */
  entries(): Promise<RegistryEntry[]> {
    return this.deps.entries();
  }

  profileTitle = (id: string): string | undefined => this.deps.catalog.get(id)?.manifest.title;

  get clock(): () => Date {
    return this.deps.now;
  }
}
