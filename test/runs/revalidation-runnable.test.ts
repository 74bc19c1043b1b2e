import { describe, expect, it } from 'vitest';
import { RevalidationService, type RevalidationDeps } from '../../src/runs/revalidation.js';
import { usedProfileRefs } from '../../src/profiles/used-profiles.js';
import { fixtureCatalog } from '../helpers/fixture-catalog.js';

/** Only the catalog decides where a job may run; store, repository and test cases are not asked. */
function serviceOver(catalog: ReturnType<typeof fixtureCatalog>) {
  return new RevalidationService({ catalog } as unknown as RevalidationDeps);
}

describe('where a re-validation job runs', () => {
  it('only where the profile and every profile it uses have the content the job was made for', () => {
    const catalog = fixtureCatalog();
    const order = catalog.require('fx-order');
    const job = { profileId: 'fx-order', profileSha256: order.sha256, uses: usedProfileRefs(catalog, order) };
    expect(job.uses.map((u) => u.profile)).toEqual(['fx-base']);
    const service = serviceOver(catalog);
    expect(service.runnable(job)).toBe(true);

    // Another instance serves other fx-base content (a fixed envelope rule): the job's verdicts would not be the job's.
    const base = catalog.require('fx-base');
    catalog.put({ ...base, source: 'imported', sha256: 'b'.repeat(64) });
    expect(service.runnable(job)).toBe(false);
    catalog.put(base);
    expect(service.runnable(job)).toBe(true);
    expect(service.runnable({ ...job, profileSha256: 'c'.repeat(64) })).toBe(false);
  });
});
