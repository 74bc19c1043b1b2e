import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import { DeclarationService } from '../../src/registry/declaration-service.js';
import { DeclarationStore } from '../../src/registry/declaration-store.js';
import { AT_ONCE, markDue } from '../../src/storage/status-due.js';
import type { AppContext } from '../../src/server/app-context.js';
import { buildContext } from '../../src/server/service.js';
import { declarationServiceFor, declareLevelA, vendorWithSystem } from '../support/declaration-service.js';
import { dialectsUnderTest, type TestDatabase } from '../support/databases.js';
import { profileAdminOf } from '../../src/server/routes/profile-admin-context.js';

const PROFILE = 'dialogmelding-1.1-foresporsel';
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
      const d = await declareLevelA(svc, vendor, systemId, id, [{ profile: PROFILE, direction: 'send' }], `rapport-${version}.pdf`);
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
      const newer = await declareLevelA(
        svc,
        vendor,
        systemId,
        versions.get('4.0')!,
        [
          { profile: PROFILE, direction: 'send' },
          { profile: OTHER, direction: 'receive' },
        ],
        'rapport-4.0-b.pdf',
      );
      expect(await logSince((await size()) - 1)).toEqual([`superseded:${older.id}`]);
      const before = await size();
      await ctx.repo.profiles.setProfileStatus(OTHER, 'retired', 'Erstattet', 'admin:t');
      expect(await logSince(before)).toEqual([`expired:${newer.id}`, `reinstated:${older.id}`]);
    });
    /** The rows of one declaration due at once, as a reader would read them. */
    const dueAtOnce = async (id: string) =>
      (await new DeclarationStore(ctx.database.db, ctx.database.dialect).dueRows(AT_ONCE, 1000)).filter((r) => r.declarationId === id);

    it('takes a due row off the queue after its evaluation only if nothing marked it again since it was read', async () => {
      const store = new DeclarationStore(ctx.database.db, ctx.database.dialect);
      const d = await declare('5.0');
      await markDue(ctx.database.db, d.id, AT_ONCE);
      const read = await dueAtOnce(d.id);
      expect(read).toHaveLength(1);
      await markDue(ctx.database.db, d.id, AT_ONCE); // an event after the read
      await store.settledDue(read);
      const left = await dueAtOnce(d.id);
      expect(left).toHaveLength(1);
      await store.settledDue(left);
      expect(await dueAtOnce(d.id)).toEqual([]);
    });

    it.runIf(dialect.name === 'postgres')(
      "makes a reader's delete wait for a transaction marking the row due, so the row stays for the next reader",
      async () => {
        const store = new DeclarationStore(ctx.database.db, ctx.database.dialect);
        const d = await declare('6.0');
        await markDue(ctx.database.db, d.id, AT_ONCE);
        const read = await dueAtOnce(d.id);
        let release!: () => void;
        const commit = new Promise<void>((r) => (release = r));
        let marked!: () => void;
        const markedInEvent = new Promise<void>((r) => (marked = r));
        // An event (e.g. a countersignature) marks the declaration due and commits a moment later.
        const event = ctx.database.db.transaction().execute(async (trx) => {
          await markDue(trx, d.id, AT_ONCE);
          marked();
          await commit;
        });
        await markedInEvent;
        // The reader evaluated what it read before the event committed; now it deletes the row it read.
        let deleted = false;
        const deleting = store.settledDue(read).then(() => (deleted = true));
        let waiting = false;
        while (!deleted && !waiting) {
          const r = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock'`.execute(ctx.database.db);
          waiting = r.rows[0]!.n > 0;
          if (!waiting) await new Promise((r) => setTimeout(r, 10));
        }
        expect({ deleted, waiting }).toEqual({ deleted: false, waiting: true });
        release();
        await event;
        await deleting;
        expect(await dueAtOnce(d.id)).toHaveLength(1);
      },
    );

    it('keeps a due row read by an instance that dies before evaluating it, so the change is still logged', async () => {
      const d = await declare('8.0');
      const before = await size();
      now = Date.parse(d.content.expiresAt) + 1;
      // Another instance reads the due rows, then is killed before evaluating them.
      await new DeclarationStore(ctx.database.db, ctx.database.dialect).dueRows(new Date(now).toISOString(), 100);
      expect(await logSince(before)).toContain(`expired:${d.id}`);
    });

    it('brings back an older declaration a reader records superseded while the newer one is being revoked', async () => {
      const store = new DeclarationStore(ctx.database.db, ctx.database.dialect);
      const older = await declare('9.0');
      const newer = await declare('9.0');
      // Reader S reads the older one due and the newer one in force ...
      const before = (await store.lastLogEntry())!.seq;
      const read = await store.dueRows(new Date(now).toISOString(), 100);
      expect(read.map((r) => r.declarationId)).toContain(older.id);
      // ... the newer one is revoked meanwhile ...
      await svc.revoke(admin, newer.id, 'Feil i dokumentasjonen');
      // ... and S records its verdict and takes the rows it read off the queue.
      const o = (await store.getDeclaration(older.id))!;
      await store.recordStatusChange(
        older.id,
        'active',
        'superseded',
        o.jwsSha256,
        `superseded by ${newer.id}`,
        { kind: 'superseded', by: newer.id },
        new Date(now),
      );
      await store.settledDue(read);
      expect(await logSince(before)).toEqual([`revoked:${newer.id}`, `superseded:${older.id}`, `reinstated:${older.id}`]);
    });

    it('evaluates a profile retired while a log read runs with the profile retired, in that read or the next', async () => {
      const OTHER = 'dialogmelding-1.1-svar';
      const store = new DeclarationStore(ctx.database.db, ctx.database.dialect);
      await ctx.repo.profiles.setProfileStatus(OTHER, 'active', null, 'admin:t'); // retired by a test above
      const both = await declareLevelA(
        svc,
        vendor,
        systemId,
        (await ctx.runs.createVersion(vendor, systemId, { version: '11.0' })).id,
        [
          { profile: PROFILE, direction: 'send' },
          { profile: OTHER, direction: 'receive' },
        ],
        'rapport-11.0.pdf',
      );
      await svc.logPage(0, 1);
      const older = await declare('12.0');
      await declare('12.0'); // the older one is due at once
      const before = (await store.lastLogEntry())!.seq;
      // The profile is retired while the read evaluates the older one, after it read the profiles' rules.
      const evaluated = (svc as unknown as { registry: { deps: { store: DeclarationStore } } }).registry.deps.store;
      const getDeclaration = evaluated.getDeclaration.bind(evaluated);
      evaluated.getDeclaration = async (id: string) => {
        evaluated.getDeclaration = getDeclaration;
        await ctx.repo.profiles.setProfileStatus(OTHER, 'retired', 'Erstattet', 'admin:t');
        return getDeclaration(id);
      };
      await logSince(before);
      expect(await logSince(before)).toEqual(expect.arrayContaining([`superseded:${older.id}`, `expired:${both.id}`]));
    });

    it('expires the declarations tested against a profile content that is put back to one seen before', async () => {
      const loaded = ctx.catalog.get(PROFILE)!;
      const A = 'a'.repeat(64);
      // An earlier deployment loaded content A; this one loaded B, and the declaration is tested against B.
      await sql`insert into profile_contents (profile_id, sha256, version, source, first_loaded_at)
        values (${PROFILE}, ${A}, ${loaded.manifest.version}, 'x', '2026-01-01T00:00:00.000Z')`.execute(ctx.database.db);
      const d = await declare('10.0');
      const before = await size();
      // The next deployment serves A again (a roll-back): seen before, so not audited again.
      ctx.catalog.put({ ...loaded, sha256: A });
      expect(
        await ctx.repo.profiles.recordProfileContents([{ id: PROFILE, version: loaded.manifest.version, sha256: A, source: 'x' }]),
      ).toEqual([]);
      expect(await logSince(before)).toContain(`expired:${d.id}`);
    });

    it('expires the declarations of a profile when the content of a profile it uses changes, as of the deployment that loads it', async () => {
      const msghead = ctx.catalog.get('msghead-1.2')!;
      const d = await declare('13.0');
      expect(d.content.conformsTo[0]!.uses).toEqual([
        { profile: 'msghead-1.2', version: msghead.manifest.version, profileSha256: msghead.sha256 },
      ]);
      const before = await size();
      // The next deployment ships other Hodemelding rules under the same msghead-1.2 version.
      const B = 'b'.repeat(64);
      ctx.catalog.put({ ...msghead, sha256: B });
      try {
        expect(
          await ctx.repo.profiles.recordProfileContents([
            { id: 'msghead-1.2', version: msghead.manifest.version, sha256: B, source: 'shipped', usedBy: [PROFILE] },
          ]),
        ).toEqual(['profile.changed msghead-1.2']);
        expect(await logSince(before)).toContain(`expired:${d.id}`);
        expect((await svc.logPage(before, 100)).entries.find((e) => e.declarationId === d.id)!.detail).toBe(
          `expired: the content of profile version msghead-1.2 ${msghead.manifest.version} changed since it was tested`,
        );
      } finally {
        ctx.catalog.put(msghead);
      }
    });

    it('expires the declarations of a profile when administrators retire a profile it uses, at the next log read', async () => {
      const d = await declare('14.0');
      const before = await size();
      await profileAdminOf(ctx).changeServedStatus('msghead-1.2', 'retired', 'Erstattet av ny Hodemelding', 'admin:t');
      try {
        const entries = (await svc.logPage(before, 100)).entries.filter((e) => e.declarationId === d.id);
        expect(entries.map((e) => [e.type, e.detail])).toEqual([
          ['expired', `expired: profile version msghead-1.2 ${ctx.catalog.require('msghead-1.2').manifest.version} was retired`],
        ]);
      } finally {
        await profileAdminOf(ctx).changeServedStatus('msghead-1.2', 'active', null, 'admin:t');
      }
    });

    it('expires a declaration issued after a re-test deadline was set at that deadline', async () => {
      const deadline = now + 3_600_000;
      await ctx.repo.profiles.insertProfileVersion(
        { profileId: PROFILE, version: '99.0', sha256: 'x'.repeat(64), kind: 'hl7v2', catalogStatus: false },
        'admin:t',
      );
      await ctx.repo.profiles.changeProfileVersions(
        [{ profileId: PROFILE, version: '99.0', status: 'active', reason: 'ny', retestDeadline: new Date(deadline).toISOString() }],
        'admin:t',
      );
      const d = await declare('7.0'); // tested against the catalog's older version, after the deadline was set
      const before = await size();
      now = deadline - 1;
      expect(await logSince(before)).toEqual([]);
      now = deadline + 1;
      expect(await logSince(before)).toEqual([`expired:${d.id}`]);
    });
  });
}
