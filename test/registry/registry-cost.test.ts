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
    let service: (levelAPerDay: number) => Promise<DeclarationService>;

    beforeAll(async () => {
      db = await dialect.create();
      ctx = await buildContext({ port: 0, maxBodyBytes: 1 << 20, rateLimitPerMinute: 100, ...db.config });
      const env = { SAMSVAR_DATA: mkdtempSync(path.join(tmpdir(), 'samsvar-cost-')) };
      const keys = await loadKeyRing({ env });
      service = async (levelAPerDay) =>
        new DeclarationService({
          store: new DeclarationStore(ctx.database.db.withPlugin(counter), ctx.database.dialect),
          repo: ctx.repo,
          runs: ctx.runs,
          catalog: ctx.catalog,
          keys,
          issuerName: 'samsvar (test)',
          samsvarVersion: '0.0.0-test',
          levelAPerDay,
        });
    });
    afterAll(async () => {
      await ctx?.database.close();
      await db?.drop();
    });

    async function vendorWithSystem(name: string) {
      const { vendor: v } = await ctx.repo.createVendor({ orgNumber: validOrgNumber(), name, email: 'post@example.no' }, `hash-${Math.random()}`);
      const vendor: Principal = { role: 'vendor', vendorId: v.id, tokenId: 't' };
      const systemId = (await ctx.runs.createSystem(vendor, { name: `${name} Journal` })).id;
      let n = 0;
      const declare = async (svc: DeclarationService) => {
        const ver = await ctx.runs.createVersion(vendor, systemId, { version: `1.${n++}` });
        return svc.issueSelfDeclared(vendor, systemId, ver.id, { profiles: [{ profile: PROFILE, direction: 'send' }], documents: [{ name: 'rapport.pdf', mediaType: 'application/pdf', content: pdf }], ...ISSUANCE }, 'https://samsvar.test');
      };
      return { vendor, declare };
    }

    it('limits level A issuance per vendor per day (429 with a time to retry), not for other vendors', async () => {
      const svc = await service(3);
      const a = await vendorWithSystem('Flink');
      for (let i = 0; i < 3; i++) await a.declare(svc);
      await expect(a.declare(svc)).rejects.toMatchObject({ code: 'rate_limited', extra: { retryAfter: expect.any(Number) }, detail: expect.stringMatching(/3 level A declarations in the last 24 hours/) });
      const b = await vendorWithSystem('Rolig');
      await expect(b.declare(svc)).resolves.toMatchObject({ vendorId: b.vendor.role === 'vendor' ? b.vendor.vendorId : '' });
    });
  });
}
