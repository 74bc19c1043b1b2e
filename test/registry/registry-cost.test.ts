import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import { DeclarationService } from '../../src/registry/declaration-service.js';
import { DeclarationStore } from '../../src/registry/declaration-store.js';
import type { AppContext } from '../../src/server/app-context.js';
import { buildContext } from '../../src/server/service.js';
import { loadKeyRing } from '../../src/signing/key-store.js';
import { ISSUANCE } from '../declarations/fixtures.js';
import { dialectsUnderTest, type TestDatabase } from '../support/databases.js';
import { validOrgNumber } from '../support/service.js';

const PROFILE = 'dialogmelding-1.1-foresporsel';
const pdf = Buffer.from('%PDF-1.4\n%%EOF\n').toString('base64');

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
      const env = { SAMSVAR_DATA: mkdtempSync(path.join(tmpdir(), 'samsvar-cost-')) };
      const keys = await loadKeyRing({ env });
      service = async (levelAPerDay, now) =>
        new DeclarationService({
          store: new DeclarationStore(ctx.database.db.withPlugin(counter), ctx.database.dialect),
          repo: ctx.repo,
          runs: ctx.runs,
          catalog: ctx.catalog,
          keys,
          issuerName: 'samsvar (test)',
          samsvarVersion: '0.0.0-test',
          levelAPerDay,
          ...(now ? { now } : {}),
        });
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
        return svc.issueSelfDeclared(
          vendor,
          systemId,
          ver.id,
          {
            profiles: [{ profile: PROFILE, direction: 'send' }],
            documents: [{ name: 'rapport.pdf', mediaType: 'application/pdf', content: pdf }],
            ...ISSUANCE,
          },
          'https://samsvar.test',
        );
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

    describe('a declaration read, verification and registry page cost the same with 50 or 400 declarations in the database', () => {
      // The worst case for supersession: every declaration for one system version and one profile, each superseding the one before.
      let svc: DeclarationService;
      let issue: (n: number) => Promise<void>;
      const issued: string[] = [];
      const jws = new Map<string, string>();

      beforeAll(async () => {
        // A minute between issuances, so each is newer than the one before.
        let clock = Date.now();
        svc = await service(1_000_000, () => new Date(clock));
        const { vendor } = await vendorWithSystem('Mengde');
        if (vendor.role !== 'vendor') throw new Error('a vendor');
        const system = (await ctx.runs.listSystems(vendor))[0]!;
        const version = await ctx.runs.createVersion(vendor, system.id, { version: '9.0' });
        issue = async (n) => {
          for (let i = 0; i < n; i++) {
            const d = await svc.issueSelfDeclared(
              vendor,
              system.id,
              version.id,
              {
                profiles: [{ profile: PROFILE, direction: 'send' }],
                documents: [{ name: 'rapport.pdf', mediaType: 'application/pdf', content: pdf }],
                ...ISSUANCE,
              },
              'https://samsvar.test',
            );
            clock += 60_000;
            issued.push(d.id);
            jws.set(d.id, d.jws);
          }
        };
      }, 120_000);

      /** The work of each read: the oldest (superseded by 49 or 399 others), the newest (active), its verification, the registry's first page and the next issuance. */
      async function reads() {
        const oldest = issued[0]!;
        const newest = issued[issued.length - 1]!;
        return {
          oldest: await counter.measure(() => svc.view(oldest, 'https://samsvar.test')),
          newest: await counter.measure(() => svc.view(newest, 'https://samsvar.test')),
          verify: await counter.measure(() => svc.verify(jws.get(oldest)!)),
          page: await counter.measure(() => svc.registryPage(20, 0)),
          lastPage: await counter.measure(() => svc.registryPage(20, issued.length - 20)),
          everything: await counter.measure(() => svc.entries()),
        };
      }

      it('statements and rows read stay equal when the registry grows eightfold', async () => {
        await issue(50);
        await svc.entries(); // the supersessions are logged once, before counting
        const small = await reads();
        expect((await svc.view(issued[0]!, 'https://samsvar.test')).status).toMatchObject({
          status: 'superseded',
          supersededBy: issued[issued.length - 1],
        });

        await issue(350);
        await svc.entries();
        const large = await reads();
        expect((await svc.view(issued[0]!, 'https://samsvar.test')).status).toMatchObject({
          status: 'superseded',
          supersededBy: issued[issued.length - 1],
        });
        expect((await svc.view(issued[issued.length - 1]!, 'https://samsvar.test')).status.status).toBe('active');

        for (const read of ['oldest', 'newest', 'verify', 'page', 'lastPage'] as const) {
          expect({ read, ...large[read] }).toEqual({ read, ...small[read] });
        }
        // The indexed reads and the whole-registry evaluation agree on every status.
        const all = new Map((await svc.entries()).map((e) => [e.declaration.id, e.status]));
        for (const e of (await svc.registryPage(500, 0)).entries) expect(e.status).toEqual(all.get(e.declaration.id));
        // The counter does see the registry: evaluating all of it reads eight times the rows.
        expect(large.everything.rows).toBeGreaterThanOrEqual(7 * small.everything.rows);
      }, 300_000);
    });
  });
}
