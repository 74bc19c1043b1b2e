import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import { DeclarationService } from '../../src/registry/declaration-service.js';
import { RequirementSetService } from '../../src/requirement-sets/requirement-set-service.js';
import { RequirementSetStore } from '../../src/requirement-sets/requirement-set-store.js';
import type { AppContext } from '../../src/server/app-context.js';
import { buildContext } from '../../src/server/service.js';
import { declarationServiceFor, declareLevelA } from '../support/declaration-service.js';
import { dialectsUnderTest, type TestDatabase } from '../support/databases.js';
import { validOrgNumber } from '../support/service.js';

const PROFILE = 'dialogmelding-1.1-foresporsel';
/** A profile of other systems: what a kravsett asks for besides PROFILE. */
const OTHER = 'dialogmelding-1.1-svar';
const admin: Principal = { role: 'admin', tokenId: 'a', name: 'Forvalter' };

/** Counts the statements the store runs and the rows they return: the cost measure, free of the clock. */
class Counter implements KyselyPlugin {
  statements = 0;
  rows = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.statements++;
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.rows += args.result.rows.length;
    return args.result;
  }
  async measure(work: () => Promise<unknown>): Promise<{ statements: number; rows: number }> {
    const [s, r] = [this.statements, this.rows];
    await work();
    return { statements: this.statements - s, rows: this.rows - r };
  }
}

for (const dialect of dialectsUnderTest()) {
  describe(`registry reads on ${dialect.name}`, () => {
    let db: TestDatabase;
    let ctx: AppContext;
    const counter = new Counter();
    let service: (levelAPerDay: number, now?: () => Date) => Promise<DeclarationService>;

    beforeAll(async () => {
      db = await dialect.create();
      ctx = await buildContext({ port: 0, maxBodyBytes: 1 << 20, rateLimitPerMinute: 100, ...db.config });
      service = (levelAPerDay, now) => declarationServiceFor(ctx, { levelAPerDay, now, db: ctx.database.db.withPlugin(counter) });
    });
    afterAll(async () => {
      await ctx?.database.close();
      await db?.drop();
    });

    async function vendorWithSystem(name: string) {
      const { vendor: v } = await ctx.repo.vendors.createVendor(
        { orgNumber: validOrgNumber(), name, email: 'post@example.no' },
        `hash-${Math.random()}`,
      );
      const vendor: Principal = { role: 'vendor', vendorId: v.id, tokenId: 't' };
      const systemId = (await ctx.runs.createSystem(vendor, { name: `${name} Journal` })).id;
      let n = 0;
      const declare = async (svc: DeclarationService) => {
        const ver = await ctx.runs.createVersion(vendor, systemId, { version: `1.${n++}` });
        return declareLevelA(svc, vendor, systemId, ver.id, [{ profile: PROFILE, direction: 'send' }]);
      };
      return { vendor, declare };
    }

    it('limits level A issuance per vendor per day (429 with a time to retry), not for other vendors', async () => {
      const svc = await service(3);
      const a = await vendorWithSystem('Flink');
      for (let i = 0; i < 3; i++) await a.declare(svc);
      await expect(a.declare(svc)).rejects.toMatchObject({
        code: 'rate_limited',
        extra: { retryAfter: expect.any(Number) },
        detail: expect.stringMatching(/3 level A declarations in the last 24 hours/),
      });
      const b = await vendorWithSystem('Rolig');
      await expect(b.declare(svc)).resolves.toMatchObject({ vendorId: b.vendor.role === 'vendor' ? b.vendor.vendorId : '' });
    });

    describe('a declaration read, verification, registry page and log page cost the same with 50 or 400 declarations in the database', () => {
      // The worst case for supersession: every declaration for one system version and one profile, each superseding the one before.
      let svc: DeclarationService;
      let issue: (n: number) => Promise<void>;
      const issued: string[] = [];
      const jws = new Map<string, string>();
      let orgNumber = '';
      let sets: RequirementSetService;

      beforeAll(async () => {
        // A minute between issuances, so each is newer than the one before.
        let clock = Date.now();
        svc = await service(1_000_000, () => new Date(clock));
        const { vendor } = await vendorWithSystem('Mengde');
        if (vendor.role !== 'vendor') throw new Error('a vendor');
        orgNumber = (await ctx.repo.vendors.getVendor(vendor.vendorId))!.orgNumber;
        const system = (await ctx.runs.listSystems(vendor))[0]!;
        const version = await ctx.runs.createVersion(vendor, system.id, { version: '9.0' });
        // Two kravsett: one of another profile only (none of Mengde's declarations is of it), one of both.
        sets = new RequirementSetService({
          store: new RequirementSetStore(ctx.database.db),
          catalog: ctx.catalog,
          coveragePage: (...a) => svc.coveragePage(...a),
          now: () => new Date(clock),
        });
        await sets.put(admin, 'annen-profil', {
          title: 'Annen profil',
          serviceType: 'legevakt',
          requirements: [{ profile: OTHER, level: 'mandatory' }],
        });
        await sets.put(admin, 'begge', {
          title: 'Begge',
          serviceType: 'sykehjem',
          requirements: [
            { profile: OTHER, level: 'mandatory' },
            { profile: PROFILE, direction: 'send', level: 'recommended' },
          ],
        });
        // Three other systems declare OTHER; one of them is later revoked.
        for (const name of ['Anna', 'Berit', 'Cecilie']) {
          const other = await vendorWithSystem(name);
          if (other.vendor.role !== 'vendor') throw new Error('a vendor');
          const otherSystem = (await ctx.runs.listSystems(other.vendor))[0]!;
          const otherVersion = await ctx.runs.createVersion(other.vendor, otherSystem.id, { version: '1.0' });
          const d = await declareLevelA(svc, other.vendor, otherSystem.id, otherVersion.id, [{ profile: OTHER, direction: 'receive' }]);
          if (name === 'Cecilie') await svc.revoke(admin, d.id, 'Feil i dokumentasjonen');
        }
        issue = async (n) => {
          for (let i = 0; i < n; i++) {
            const d = await declareLevelA(svc, vendor, system.id, version.id, [{ profile: PROFILE, direction: 'send' }]);
            clock += 60_000;
            issued.push(d.id);
            jws.set(d.id, d.jws);
          }
        };
      }, 120_000);

      /** The work of each read: the oldest (superseded by 49 or 399 others), the newest (active), its verification, the registry's and the log's pages. */
      async function reads() {
        const oldest = issued[0]!;
        const newest = issued[issued.length - 1]!;
        return {
          oldest: await counter.measure(() => svc.view(oldest, 'https://samsvar.test')),
          newest: await counter.measure(() => svc.view(newest, 'https://samsvar.test')),
          verify: await counter.measure(() => svc.verify(jws.get(oldest)!)),
          page: await counter.measure(() => svc.registryPage(20, 0)),
          lastPage: await counter.measure(() => svc.registryPage(20, issued.length - 20)),
          // Every filter the registry API and the pages offer, each filtered and paged in the database.
          byVendor: await counter.measure(() => svc.registryPage(20, 0, { vendor: 'mengde' })),
          byOrgNumberAndProfile: await counter.measure(() => svc.registryPage(20, 0, { vendor: orgNumber, profile: PROFILE })),
          byStandard: await counter.measure(() => svc.registryPage(20, 0, { profilesAnyOf: [PROFILE, 'apprec-1.0'] })),
          bySystemAndLevel: await counter.measure(() => svc.registryPage(20, 0, { system: 'Mengde Journal', level: 'A' })),
          byText: await counter.measure(() => svc.registryPage(20, 0, { q: 'mengde 9.0 dialogmelding' })),
          superseded: await counter.measure(() => svc.registryPage(20, 0, { status: 'superseded' })),
          active: await counter.measure(() => svc.registryPage(20, 0, { status: 'active', q: 'mengde' })),
          lastSuperseded: await counter.measure(() => svc.registryPage(20, issued.length - 21, { status: 'superseded', vendor: 'mengde' })),
          counts: await counter.measure(() => svc.counts()),
          feed: await counter.measure(() => svc.feedItems(40)),
          // GET /api/v1/log: the first page and the newest, each with a freshly signed head.
          log: await counter.measure(() => svc.logPage(0, 20)),
          logTail: await counter.measure(async () => svc.logPage((await svc.logPage(0, 1)).head.size - 20, 20)),
          // Kravsett coverage: the API's page, the procurement annex (every system) and the web page's matrix.
          otherSet: await counter.measure(() => sets.coverage('annen-profil', 100, 0)),
          bothSets: await counter.measure(() => sets.coverage('begge', 100, 0)),
          annex: await counter.measure(() => sets.fullCoverage('begge')),
          matrix: await counter.measure(() => sets.matrix('begge', 50, 0)),
          everything: await counter.measure(() => svc.entries()),
        };
      }

      it('statements and rows read stay equal when the registry grows eightfold', async () => {
        await issue(50);
        await svc.sweep(); // the supersessions are logged once, before counting
        const small = await reads();
        expect((await svc.view(issued[0]!, 'https://samsvar.test')).status).toMatchObject({
          status: 'superseded',
          supersededBy: issued[issued.length - 1],
        });

        await issue(350);
        await svc.sweep();
        const large = await reads();
        expect((await svc.view(issued[0]!, 'https://samsvar.test')).status).toMatchObject({
          status: 'superseded',
          supersededBy: issued[issued.length - 1],
        });
        expect((await svc.view(issued[issued.length - 1]!, 'https://samsvar.test')).status.status).toBe('active');

        const searched = [
          'byVendor',
          'byOrgNumberAndProfile',
          'byStandard',
          'bySystemAndLevel',
          'byText',
          'superseded',
          'active',
          'lastSuperseded',
          'counts',
          'feed',
          'log',
          'logTail',
          'otherSet',
          'bothSets',
          'annex',
          'matrix',
        ] as const;
        for (const read of ['oldest', 'newest', 'verify', 'page', 'lastPage', ...searched] as const) {
          expect({ read, ...large[read] }).toEqual({ read, ...small[read] });
        }
        // The searches find what they name: the filters are not vacuous.
        const found = async (q: Parameters<DeclarationService['registryPage']>[2], offset = 0) =>
          (await svc.registryPage(20, offset, q)).entries.map((e) => e.declaration.id);
        expect(await found({ vendor: 'mengde' })).toEqual(issued.slice(-20).reverse());
        expect(await found({ status: 'active', q: 'mengde' })).toEqual([issued[issued.length - 1]]);
        expect(await found({ status: 'superseded', vendor: 'mengde' }, issued.length - 21)).toEqual(issued.slice(0, 20).reverse());
        expect((await svc.registryPage(1, 0, { q: 'mengde 9.0 dialogmelding' })).total).toBe(issued.length);
        expect(await found({ vendor: 'mengde', level: 'B' })).toEqual([]);
        expect(await svc.counts()).toMatchObject({ declarations: expect.any(Number), active: expect.any(Number) });
        // The log's pages hold every entry under the signed head: each supersession logged once, before the page was read.
        const log = await svc.logPage(0, 10_000);
        expect(log.entries.length).toBe(log.head.size);
        expect(log.entries.filter((e) => e.type === 'superseded' && issued.includes(e.declarationId)).length).toBe(issued.length - 1);
        // The kravsett read what they name: Mengde's newest declaration only where the set asks for PROFILE, a revoked one only in the matrix.
        const systemsOf = async (id: string) => (await sets.coverage(id, 100, 0)).systems.map((x) => `${x.system} ${x.version}`);
        expect(await systemsOf('annen-profil')).toEqual(['Anna Journal 1.0', 'Berit Journal 1.0']);
        // (The first test's systems Flink and Rolig declared PROFILE too; these assertions look at the systems of this one.)
        const ours = (system: string) => ['Anna Journal', 'Berit Journal', 'Cecilie Journal', 'Mengde Journal'].includes(system);
        const both = await sets.coverage('begge', 100, 0);
        expect(both.total).toBe(both.systems.length);
        expect(
          both.systems
            .filter((x) => ours(x.system))
            .map((x) => [`${x.system} ${x.version}`, x.mandatory.documented, x.recommended.documented]),
        ).toEqual([
          ['Anna Journal 1.0', 1, 0],
          ['Berit Journal 1.0', 1, 0],
          ['Mengde Journal 9.0', 0, 1],
        ]);
        expect(both.systems.find((x) => x.system === 'Mengde Journal')!.requirements[1]!.declarationId).toBe(issued[issued.length - 1]);
        // Paged by system name: Anna, Berit, Flink …
        expect((await sets.coverage('begge', 1, 1)).systems.map((x) => x.system)).toEqual(['Berit Journal']);
        expect((await sets.fullCoverage('begge')).systems).toEqual(both.systems);
        const matrix = await sets.matrix('begge', 50, 0);
        expect(matrix.total).toBe(matrix.rows.length);
        expect(matrix.rows.filter((r) => ours(r.system)).map((r) => [r.system, r.cells.map((c) => c.mark)])).toEqual([
          ['Anna Journal', ['documented', 'missing']],
          ['Berit Journal', ['documented', 'missing']],
          ['Cecilie Journal', ['revoked', 'missing']],
          ['Mengde Journal', ['missing', 'documented']],
        ]);
        // The indexed reads and the whole-registry evaluation agree on every status.
        const all = new Map((await svc.entries()).map((e) => [e.declaration.id, e.status]));
        for (const e of (await svc.registryPage(500, 0)).entries) expect(e.status).toEqual(all.get(e.declaration.id));
        // The counter does see the registry: evaluating all of it reads eight times the rows.
        expect(large.everything.rows).toBeGreaterThanOrEqual(7 * small.everything.rows);
      }, 300_000);
    });
  });
}
