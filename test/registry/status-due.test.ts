import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import { DeclarationService } from '../../src/registry/declaration-service.js';
import { DeclarationStore } from '../../src/registry/declaration-store.js';
import type { AppContext } from '../../src/server/app-context.js';
import { buildContext } from '../../src/server/service.js';
import { ISSUANCE } from '../declarations/fixtures.js';
import { declarationServiceFor, vendorWithSystem } from '../support/declaration-service.js';
import { dialectsUnderTest, type TestDatabase } from '../support/databases.js';

const PROFILE = 'dialogmelding-1.1-foresporsel';
const pdf = Buffer.from('%PDF-1.4\n%%EOF\n').toString('base64');
const admin: Principal = { role: 'admin', tokenId: 'a', name: 'Forvalter' };

for (const dialect of dialectsUnderTest()) {
  describe(`a read of the transparency log on ${dialect.name} logs the status changes due by its clock`, () => {
    let db: TestDatabase;
    let ctx: AppContext;
    let svc: DeclarationService;
    let vendor: Principal;
    let systemId: string;
    /** The service's clock; only ever moves forward, as time does. */
    let now = Date.now();

    beforeAll(async () => {
      db = await dialect.create();
      ctx = await buildContext({ port: 0, maxBodyBytes: 1 << 20, rateLimitPerMinute: 100, ...db.config });
      // No sweep runs here: only the log reads below can log a change.
      svc = await declarationServiceFor(ctx, { now: () => new Date(now) });
      ({ vendor, systemId } = await vendorWithSystem(ctx, 'Frist AS', 'FristJournal'));
    });
    afterAll(async () => {
      await ctx?.database.close();
      await db?.drop();
    });

    const versions = new Map<string, string>();
    const declare = async (version: string) => {
      const id = versions.get(version) ?? (await ctx.runs.createVersion(vendor, systemId, { version })).id;
      versions.set(version, id);
      const d = await svc.issueSelfDeclared(
        vendor,
        systemId,
        id,
        {
          profiles: [{ profile: PROFILE, direction: 'send' }],
          documents: [{ name: `rapport-${version}.pdf`, mediaType: 'application/pdf', content: pdf }],
          ...ISSUANCE,
        },
        'https://samsvar.test',
      );
      now += 60_000; // the next one is newer
      return d;
    };
    /** The log entries past `after`, as type and declaration, read the way GET /api/v1/log reads them. */
    const logSince = async (after: number) => (await svc.logPage(after, 100)).entries.map((e) => `${e.type}:${e.declarationId}`);
    const size = async () => (await svc.logPage(0, 1)).head.size;

    it('logs an expiry due in the future once the clock has passed it, at the first log read after, and only once', async () => {
      const d = await declare('1.0');
      const issued = await size();
      const expiresAt = Date.parse(d.content.expiresAt);

      now = expiresAt - 60_000;
      expect(await logSince(issued)).toEqual([]);

      now = expiresAt + 60_000;
      const page = await svc.logPage(issued, 100);
      expect(page.entries.map((e) => `${e.type}:${e.declarationId}`)).toEqual([`expired:${d.id}`]);
      expect(page.entries[0]!.detail).toMatch(/^expired on /);
      // The head signed with the page covers the entry just logged.
      expect(page.head.size).toBe(issued + 1);
      expect(await logSince(issued + 1)).toEqual([]);
    });

    it('logs a supersession and, after the newer declaration is revoked, the older one back in force', async () => {
      const older = await declare('2.0');
      const newer = await declare('2.0');
      const logged = await size(); // this read logs the supersession
      expect(await logSince(logged - 3)).toEqual([`issued:${older.id}`, `issued:${newer.id}`, `superseded:${older.id}`]);

      await svc.revoke(admin, newer.id, 'Feil i dokumentasjonen');
      expect(await logSince(logged)).toEqual([`revoked:${newer.id}`, `reinstated:${older.id}`]);
      expect(await logSince(logged + 2)).toEqual([]);
    });

    it('closes a spot check missed by its deadline, revokes what it checked and brings back the declaration it superseded', async () => {
      const older = await declare('3.0');
      const newer = await declare('3.0');
      await svc.logPage(0, 1); // logs the supersession
      const deadline = now + 3_600_000;
      await new DeclarationStore(ctx.database.db, ctx.database.dialect).addSpotCheck(
        {
          id: 'sp-due',
          declarationId: newer.id,
          testCases: ['irrelevant'],
          requestedBy: 'admin',
          requestedAt: new Date(now).toISOString(),
          deadline: new Date(deadline).toISOString(),
        },
        'admin:t',
      );
      const before = await size();
      now = deadline - 1;
      expect(await logSince(before)).toEqual([]);
      now = deadline + 1;
      expect(await logSince(before)).toEqual([`revoked:${newer.id}`, `reinstated:${older.id}`]);
    });

    it('expires the declarations of a retired profile, and brings back an older one the expired one had superseded', async () => {
      const OTHER = 'dialogmelding-1.1-svar';
      const older = await declare('4.0');
      const newer = await svc.issueSelfDeclared(
        vendor,
        systemId,
        versions.get('4.0')!,
        {
          profiles: [
            { profile: PROFILE, direction: 'send' },
            { profile: OTHER, direction: 'receive' },
          ],
          documents: [{ name: 'rapport-4.0-b.pdf', mediaType: 'application/pdf', content: pdf }],
          ...ISSUANCE,
        },
        'https://samsvar.test',
      );
      expect(await logSince((await size()) - 1)).toEqual([`superseded:${older.id}`]);
      const before = await size();
      await ctx.repo.profiles.setProfileStatus(OTHER, 'retired', 'Erstattet', 'admin:t');
      expect(await logSince(before)).toEqual([`expired:${newer.id}`, `reinstated:${older.id}`]);
    });
  });
}
