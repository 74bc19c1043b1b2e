import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/core/sha256.js';
import { canonicalJson } from '../../src/signing/canonical-json.js';
import type { Principal } from '../../src/auth/principal.js';
import { DeclarationService } from '../../src/registry/declaration-service.js';
import { DeclarationStore } from '../../src/registry/declaration-store.js';
import { DEFAULT_SWEEP_SECONDS, schedulePeriodic, sweepIntervalSeconds, type Timers } from '../../src/registry/status-sweep.js';
import type { AppContext } from '../../src/server/app-context.js';
import { buildContext } from '../../src/server/service.js';
import { declarationServiceFor, declareLevelA, vendorWithSystem } from '../support/declaration-service.js';
import { dialectsUnderTest, type TestDatabase } from '../support/databases.js';

const DAY = 24 * 3600 * 1000;
const PROFILE = 'dialogmelding-1.1-foresporsel';

/** Timers that run only when the test says so: the schedule is stepped, never waited for. */
function manualTimers() {
  const pending = new Map<number, { fn: () => void; ms: number }>();
  let next = 0;
  const timers: Timers = {
    setTimeout: (fn, ms) => (pending.set(++next, { fn, ms }), next),
    clearTimeout: (h) => void pending.delete(h as number),
  };
  return {
    timers,
    pending: () => [...pending.values()].map((p) => p.ms),
    /** Fires every due timer once and lets the task's promise settle. */
    async fire() {
      const due = [...pending.entries()];
      pending.clear();
      for (const [, p] of due) p.fn();
      for (let i = 0; i < 5; i++) await Promise.resolve();
    },
  };
}

describe('the sweep interval (SAMSVAR_SWEEP_SECONDS)', () => {
  it('defaults to 300 seconds, accepts 0 to turn the sweep off, and refuses anything else with the variable named', () => {
    expect(sweepIntervalSeconds({})).toBe(DEFAULT_SWEEP_SECONDS);
    expect(sweepIntervalSeconds({ SAMSVAR_SWEEP_SECONDS: '60' })).toBe(60);
    expect(sweepIntervalSeconds({ SAMSVAR_SWEEP_SECONDS: '0' })).toBe(0);
    for (const bad of ['-1', '1.5', 'fem', '100000']) {
      expect(() => sweepIntervalSeconds({ SAMSVAR_SWEEP_SECONDS: bad })).toThrow(/SAMSVAR_SWEEP_SECONDS must be a whole number/);
    }
  });
});

describe('the periodic schedule', () => {
  it('runs at once, then again one interval after each run finished, and keeps going after a failure', async () => {
    const clock = manualTimers();
    const errors: unknown[] = [];
    let runs = 0;
    const task = schedulePeriodic(
      async () => {
        runs++;
        if (runs === 2) throw new Error('database busy');
      },
      300_000,
      (e) => errors.push(e),
      clock.timers,
    );
    expect(clock.pending()).toEqual([0]);
    await clock.fire();
    expect(runs).toBe(1);
    expect(clock.pending()).toEqual([300_000]);
    await clock.fire();
    expect(runs).toBe(2);
    expect(errors).toEqual([new Error('database busy')]);
    expect(clock.pending()).toEqual([300_000]);
    await task.stop();
    expect(clock.pending()).toEqual([]);
  });

  it('stops cleanly: waits for a run in progress and schedules nothing after it', async () => {
    const clock = manualTimers();
    let release!: () => void;
    let finished = false;
    const task = schedulePeriodic(
      () => new Promise<void>((r) => (release = r)).then(() => void (finished = true)),
      1000,
      () => {},
      clock.timers,
    );
    await clock.fire();
    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(finished).toBe(true);
    expect(clock.pending()).toEqual([]);
  });
});

for (const dialect of dialectsUnderTest()) {
  describe(`the status sweep on ${dialect.name}`, () => {
    let db: TestDatabase;
    let ctx: AppContext;
    let svc: DeclarationService;
    let store: DeclarationStore;
    let vendor: Principal;
    let systemId: string;
    /** Only ever moves forward, as time does. */
    let offset = 0;

    beforeAll(async () => {
      db = await dialect.create();
      ctx = await buildContext({ port: 0, maxBodyBytes: 1 << 20, rateLimitPerMinute: 100, ...db.config });
      store = new DeclarationStore(ctx.database.db, ctx.database.dialect);
      svc = await declarationServiceFor(ctx, { now: () => new Date(Date.now() + offset) });
      ({ vendor, systemId } = await vendorWithSystem(ctx, 'Sveip AS', 'SveipJournal'));
    });
    afterAll(async () => {
      await ctx?.database.close();
      await db?.drop();
    });

    const versions = new Map<string, string>();
    const declare = async (version: string) => {
      const id = versions.get(version) ?? (await ctx.runs.createVersion(vendor, systemId, { version })).id;
      versions.set(version, id);
      return declareLevelA(svc, vendor, systemId, id, [{ profile: PROFILE, direction: 'send' }], `rapport-${version}.pdf`);
    };
    const feedEvents = async () => (await svc.feedItems()).map((i) => `${i.entry.type}:${i.declaration.product.version}`);

    it('logs a supersession, and the feed shows it, without anyone reading the registry first', async () => {
      await declare('1.0');
      // Only a declaration of the same system version supersedes.
      const newer = await declare('1.0');
      const changes = await svc.sweep();
      expect(changes).toEqual([
        { declarationId: expect.any(String), from: 'active', to: 'superseded', reason: `superseded by ${newer.id}`, logSeq: 3 },
      ]);
      expect((await store.recentLog(10)).map((e) => e.type)).toEqual(['superseded', 'issued', 'issued']);
      expect(await svc.sweep()).toEqual([]);
      expect((await feedEvents())[0]).toBe('superseded:1.0');
      // The feed has why as data, to word in bokmål; the log's detail stays the API's English reason.
      expect((await svc.feedItems())[0]!.cause).toEqual({ kind: 'superseded', by: newer.id });
      await declare('1.1');
      expect(await svc.sweep()).toEqual([]);
    });

    it('logs expiry once the expiry date has passed', async () => {
      offset = 25 * 30 * DAY;
      const changes = await svc.sweep();
      // All lapse: the superseded one's status becomes expired too, since expiry is the more serious state.
      expect(changes.map((c) => `${c.from}->${c.to}`).sort()).toEqual(['active->expired', 'active->expired', 'superseded->expired']);
      expect(changes.every((c) => /^expired on/.test(c.reason!))).toBe(true);
      expect(await svc.sweep()).toEqual([]);
      expect((await store.recentLog(1))[0]!.type).toBe('expired');
      expect((await svc.feedItems(3)).map((i) => i.cause)).toEqual([
        { kind: 'expired', at: expect.any(String) },
        { kind: 'expired', at: expect.any(String) },
        { kind: 'expired', at: expect.any(String) },
      ]);
    });

    /** An administrator's spot check on the declaration, due a day from the service's now. */
    const spotCheckDueInADay = async (id: string, declarationId: string) => {
      const at = new Date(Date.now() + offset);
      const deadline = new Date(at.getTime() + DAY).toISOString();
      await store.addSpotCheck(
        { id, declarationId, testCases: ['irrelevant'], requestedBy: 'admin', requestedAt: at.toISOString(), deadline },
        'admin:t',
      );
    };

    it('revokes a declaration whose spot check deadline passed unanswered, and logs it', async () => {
      const d = await declare('2.0');
      expect(await svc.sweep()).toEqual([]); // the older ones are expired already: nothing new to log
      await spotCheckDueInADay('sp-sweep', d.id);
      expect(await svc.sweep()).toEqual([]);
      offset += 2 * DAY;
      const changes = await svc.sweep();
      expect(changes).toEqual([
        {
          declarationId: d.id,
          from: 'active',
          to: 'revoked',
          reason: expect.stringMatching(/spot check sp-sweep was not answered by its deadline/),
          logSeq: expect.any(Number),
        },
      ]);
      expect((await store.spotCheck('sp-sweep'))!.outcome).toBe('missed');
      // Why, kept as data for pages to word; the log's subject covers the revocation as it always did.
      const { revocation } = (await store.getDeclaration(d.id))!;
      expect(revocation!.spotCheck).toEqual({ kind: 'unanswered', id: 'sp-sweep', deadline: expect.any(String) });
      const [logged] = await store.recentLog(1);
      const { at, reason, by } = revocation!;
      expect(logged).toMatchObject({
        type: 'revoked',
        detail: reason,
        subjectSha256: sha256Hex(canonicalJson({ declarationId: d.id, at, reason, by })),
      });
      expect((await feedEvents())[0]).toBe('revoked:2.0');
      expect((await svc.feedItems(1))[0]!.cause).toMatchObject({ kind: 'revoked', by: 'stikkprøve', spotCheck: { id: 'sp-sweep' } });
      expect(await svc.sweep()).toEqual([]);
    });

    it("counts a declaration whose spot check was missed as no longer active at once (the front page's figure), before any sweep", async () => {
      const d = await declare('3.0');
      await spotCheckDueInADay('sp-counts', d.id);
      const before = await svc.counts();
      offset += 2 * DAY;
      expect(await svc.counts()).toEqual({ ...before, active: before.active - 1 });
      expect((await store.spotCheck('sp-counts'))!.outcome).toBe('missed');
    });
  });
}
