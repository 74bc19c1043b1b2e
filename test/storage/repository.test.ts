import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Database } from '../../src/storage/database.js';
import { Repository } from '../../src/storage/repository.js';
import { TestPatientTaken } from '../../src/storage/run-repository.js';
import { EvidenceClaimTaken } from '../../src/storage/submission-repository.js';
import { drawRunTestData } from '../../src/testcases/run-data.js';
import { sha256Hex } from '../../src/core/sha256.js';
import { dialectsUnderTest, type TestDatabase } from '../support/databases.js';

for (const dialect of dialectsUnderTest()) {
  describe(`Repository on ${dialect.name}`, () => {
    let testDb: TestDatabase;
    let database: Database;
    let repo: Repository;

    beforeAll(async () => {
      testDb = await dialect.create();
      database = await openDatabase(testDb.config);
      repo = new Repository(database.db, database.dialect);
    });
    afterAll(async () => {
      await database?.close();
      await testDb?.drop();
    });

    it('applies the numbered migrations once; a second open finds nothing to do', async () => {
      const again = await openDatabase(testDb.config);
      const tables = await again.db.introspection.getTables();
      expect(tables.map((t) => t.name)).toEqual(
        expect.arrayContaining(['vendors', 'api_tokens', 'systems', 'system_versions', 'runs', 'submissions', 'audit_log']),
      );
      await again.close();
    });

    it('audits each profile content once: a new profile as loaded, new content of a known one as changed', async () => {
      const p = (sha: string) => ({ id: 'dialog-x', version: '1.0', sha256: sha, source: 'imported' });
      expect(await repo.profiles.recordProfileContents([p('a'.repeat(64)), { ...p('b'.repeat(64)), id: 'other' }])).toEqual([
        'profile.loaded dialog-x',
        'profile.loaded other',
      ]);
      expect(await repo.profiles.recordProfileContents([p('a'.repeat(64))])).toEqual([]);
      expect(await repo.profiles.recordProfileContents([p('c'.repeat(64))])).toEqual(['profile.changed dialog-x']);
      const audit = await repo.audit.readAudit({ objectType: 'profile', objectId: 'dialog-x', limit: 10 });
      expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['profile.loaded', 'profile.changed']));
      expect(audit.find((e) => e.action === 'profile.changed')).toMatchObject({
        actor: 'system',
        details: { sha256: 'c'.repeat(64), source: 'imported' },
      });
    });

    it('records content new to two instances starting at once once, and neither start-up fails', async () => {
      const p = { id: 'together', version: '1.0', sha256: 'd'.repeat(64), source: 'shipped' };
      if (dialect.name !== 'postgres') {
        // SQLite writes one transaction at a time, so the two never overlap.
        const both = await Promise.all([repo.profiles.recordProfileContents([p]), repo.profiles.recordProfileContents([p])]);
        expect(both.flat()).toEqual(['profile.loaded together']);
        return;
      }
      // A third connection lets both read the table (and find nothing) but holds their inserts until
      // both wait: the order in which two instances starting together meet.
      const holder = new pg.Client({ connectionString: testDb.config.databaseUrl });
      await holder.connect();
      const other = await openDatabase(testDb.config);
      try {
        await holder.query('begin');
        await holder.query('lock table profile_contents in share mode');
        const both = Promise.all([
          repo.profiles.recordProfileContents([p]),
          new Repository(other.db, other.dialect).profiles.recordProfileContents([p]),
        ]);
        for (;;) {
          const { rows } = await holder.query(
            `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
          );
          if (rows[0].n >= 2) break;
          await new Promise((r) => setImmediate(r));
        }
        await holder.query('commit');
        expect((await both).flat()).toEqual(['profile.loaded together']);
      } finally {
        await holder.end();
        await other.close();
      }
      const audit = await repo.audit.readAudit({ objectType: 'profile', objectId: 'together', limit: 10 });
      expect(audit.map((e) => e.action)).toEqual(['profile.loaded']);
    });

    it('refuses a second vendor with the same organisasjonsnummer as a conflict', async () => {
      await repo.vendors.createVendor({ orgNumber: '974760673', name: 'A', email: 'a@example.no' }, sha256Hex('tok-a'));
      await expect(
        repo.vendors.createVendor({ orgNumber: '974760673', name: 'B', email: 'b@example.no' }, sha256Hex('tok-b')),
      ).rejects.toMatchObject({ code: 'conflict' });
    });

    it("keeps each run's test patient unique in the database itself, and each evidence value claimed once", async () => {
      const { vendor } = await repo.vendors.createVendor({ orgNumber: '971524960', name: 'U', email: 'u@example.no' }, sha256Hex('tok-u'));
      const sys = await repo.systems.createSystem(vendor.id, { name: 'EPJ' }, 'test');
      const ver = await repo.systems.createSystemVersion(sys.id, { version: '1.0', herId: '8999911' }, 'test');
      expect(ver.herId).toBe('8999911');
      const party = { name: 'EPJ 1.0', herId: '8999911' };
      const profiles = [{ profileId: 'p', profileVersion: '1', profileSha256: 'x', uses: [] }];
      const first = await repo.runs.createRun(
        { vendorId: vendor.id, systemVersionId: ver.id, profiles, testData: (id, at) => drawRunTestData(id, at, party) },
        'test',
      );
      expect((await repo.runs.getRun(first.id))!.testData).toEqual(first.testData);
      // A second run that drew the same patient is refused by the unique constraint; nothing of it is stored.
      const same = (id: string, at: string) => ({ ...drawRunTestData(id, at, party), patient: first.testData!.patient });
      await expect(
        repo.runs.createRun({ vendorId: vendor.id, systemVersionId: ver.id, profiles, testData: same }, 'test'),
      ).rejects.toBeInstanceOf(TestPatientTaken);
      expect(await repo.runs.listRuns(vendor.id)).toHaveLength(1);
      // A value claimed by one submission cannot be claimed by another.
      const sub = (claims: { kind: 'msgid'; value: string }[]) =>
        repo.submissions.createSubmission(
          {
            runId: first.id,
            testcaseId: 'tc',
            profileId: 'p',
            verdict: 'passed',
            findings: [],
            validation: {},
            contentType: 'application/xml',
            artifact: new Uint8Array([1]),
          },
          'test',
          claims,
        );
      await sub([{ kind: 'msgid', value: 'm-1' }]);
      await expect(sub([{ kind: 'msgid', value: 'm-1' }])).rejects.toBeInstanceOf(EvidenceClaimTaken);
      expect(await repo.submissions.findEvidenceClaims([{ kind: 'msgid', value: 'm-1' }])).toEqual([
        expect.objectContaining({ runId: first.id, testcaseId: 'tc', origin: 'submitted' }),
      ]);
    });

    it('stores an artifact byte for byte with its SHA-256, and the findings with theirs', async () => {
      const { vendor } = await repo.vendors.createVendor({ orgNumber: '923609016', name: 'C', email: 'c@example.no' }, sha256Hex('tok-c'));
      const sys = await repo.systems.createSystem(vendor.id, { name: 'EPJ' }, 'test');
      const ver = await repo.systems.createSystemVersion(sys.id, { version: '1.0' }, 'test');
      const run = await repo.runs.createRun(
        { vendorId: vendor.id, systemVersionId: ver.id, profiles: [{ profileId: 'p', profileVersion: '1', profileSha256: 'x', uses: [] }] },
        'test',
      );
      // Every byte value, a NUL and invalid UTF-8 included: the store must not re-encode.
      const artifact = new Uint8Array(512).map((_, i) => i % 256);
      const findings = [{ ruleId: 'R1', severity: 'error' as const, layer: 'schema' as const, message: 'æøå' }];
      const sub = await repo.submissions.createSubmission(
        {
          runId: run.id,
          testcaseId: 'tc',
          profileId: 'p',
          verdict: 'failed',
          findings,
          validation: { profile: 'p' },
          contentType: 'application/xml',
          artifact,
        },
        'test',
      );
      const back = await repo.submissions.getSubmission(sub.id);
      expect(Buffer.from(back!.artifact).equals(Buffer.from(artifact))).toBe(true);
      expect(back!.artifactSha256).toBe(sha256Hex(artifact));
      expect(back!.findings).toEqual(findings);
      expect(back!.findingsSha256).toBe(sha256Hex(JSON.stringify(findings)));
    });

    it('writes every state change to the audit log in the same transaction, in order', async () => {
      const { vendor } = await repo.vendors.createVendor({ orgNumber: '982463718', name: 'D', email: 'd@example.no' }, sha256Hex('tok-d'));
      const sys = await repo.systems.createSystem(vendor.id, { name: 'EPJ-D' }, `vendor:${vendor.id}`);
      const entries = await repo.audit.readAudit({ actor: `vendor:${vendor.id}` });
      expect(entries.map((e) => e.action)).toEqual(['token.create', 'system.create']);
      expect(entries[1]).toMatchObject({ objectType: 'system', objectId: sys.id });
      expect(entries[0]!.seq).toBeLessThan(entries[1]!.seq);
    });

    it('keeps the audit log append-only in the database: updates and deletes are refused', async () => {
      await repo.vendors.createVendor({ orgNumber: '986105174', name: 'G', email: 'g@example.no' }, sha256Hex('tok-g'));
      await expect(database.db.updateTable('audit_log').set({ actor: 'someone-else' }).execute()).rejects.toThrow(/append-only/);
      await expect(database.db.deleteFrom('audit_log').execute()).rejects.toThrow(/append-only/);
      expect((await repo.audit.readAudit({ limit: 1000 })).some((e) => e.actor === 'someone-else')).toBe(false);
    });

    const anyDb = () => database.db as unknown as Kysely<any>;
    const logRow = {
      seq: 1,
      at: '2026-01-01T00:00:00Z',
      type: 'issued',
      declaration_id: 'd',
      subject_sha256: 'a'.repeat(64),
      detail: null,
      prev: '0'.repeat(64),
      hash: 'b'.repeat(64),
    };

    it('refuses TRUNCATE of the append-only tables (the audit log and the transparency log)', async () => {
      await anyDb().insertInto('transparency_log').values(logRow).execute();
      await repo.vendors.createVendor({ orgNumber: '911111111', name: 'T', email: 't@example.no' }, sha256Hex('tok-t'));
      const before = (await repo.audit.readAudit({ limit: 1000 })).length;
      expect(before).toBeGreaterThan(0);
      // SQLite has no TRUNCATE; its equivalent is an unqualified DELETE, which the DELETE trigger refuses.
      const wipe = (table: string) =>
        dialect.name === 'postgres'
          ? sql.raw(`truncate table ${table}`).execute(database.db)
          : sql.raw(`delete from ${table}`).execute(database.db);
      await expect(wipe('audit_log')).rejects.toThrow(/append-only/);
      await expect(wipe('transparency_log')).rejects.toThrow(/append-only/);
      expect((await repo.audit.readAudit({ limit: 1000 })).length).toBe(before);
    });

    it('keeps the transparency log append-only in the database: updates and deletes are refused', async () => {
      await expect(anyDb().updateTable('transparency_log').set({ prev: 'x' }).execute()).rejects.toThrow(/append-only/);
      await expect(anyDb().deleteFrom('transparency_log').execute()).rejects.toThrow(/append-only/);
      expect(await anyDb().selectFrom('transparency_log').select('prev').execute()).toEqual([{ prev: logRow.prev }]);
    });

    it('rolls back the change when its audit entry cannot be written', async () => {
      const { vendor } = await repo.vendors.createVendor({ orgNumber: '971526920', name: 'E', email: 'e@example.no' }, sha256Hex('tok-e'));
      // A null actor violates the audit log's NOT NULL: the system insert before it must not survive.
      await expect(repo.systems.createSystem(vendor.id, { name: 'Unaudited' }, null as unknown as string)).rejects.toThrow();
      expect(await repo.systems.listSystems(vendor.id)).toEqual([]);
    });

    it('a refused change leaves no audit entry behind', async () => {
      const { vendor } = await repo.vendors.createVendor(
        { orgNumber: '979730004', name: 'E2', email: 'e2@example.no' },
        sha256Hex('tok-e2'),
      );
      const sys = await repo.systems.createSystem(vendor.id, { name: 'EPJ-E' }, 'test');
      await repo.systems.createSystemVersion(sys.id, { version: '2.0' }, 'test');
      const before = (await repo.audit.readAudit({ objectType: 'system_version', limit: 1000 })).length;
      await expect(repo.systems.createSystemVersion(sys.id, { version: '2.0' }, 'test')).rejects.toMatchObject({ code: 'conflict' });
      expect((await repo.audit.readAudit({ objectType: 'system_version', limit: 1000 })).length).toBe(before);
    });

    it('generates a receive message once per run and test case', async () => {
      const { vendor } = await repo.vendors.createVendor({ orgNumber: '889640782', name: 'F', email: 'f@example.no' }, sha256Hex('tok-f'));
      const sys = await repo.systems.createSystem(vendor.id, { name: 'EPJ-F' }, 'test');
      const ver = await repo.systems.createSystemVersion(sys.id, { version: '1' }, 'test');
      const run = await repo.runs.createRun(
        { vendorId: vendor.id, systemVersionId: ver.id, profiles: [{ profileId: 'p', profileVersion: '1', profileSha256: 'x', uses: [] }] },
        'test',
      );
      let n = 0;
      const gen = () => ({ xml: `<m n="${++n}"/>`, msgId: `id-${n}` });
      const a = await repo.runs.getOrCreateGeneratedMessage(run.id, 'tc', gen, 'test');
      const b = await repo.runs.getOrCreateGeneratedMessage(run.id, 'tc', gen, 'test');
      expect(b).toEqual(a);
      expect(n).toBe(1);
    });

    it("lets an administrator override a profile's lifecycle status", async () => {
      await repo.profiles.setProfileStatus('x-profile', 'retired', 'replaced', 'admin:bootstrap');
      await repo.profiles.setProfileStatus('x-profile', 'active', null, 'admin:bootstrap');
      expect((await repo.profiles.profileStatuses()).get('x-profile')).toMatchObject({ status: 'active', reason: null });
    });
  });
}

describe('numbered migrations', () => {
  it('apply a core migration added after a feature migration on an existing database', async () => {
    const { migrate } = await import('../../src/storage/database.js');
    const { MIGRATIONS } = await import('../../src/storage/migrations/index.js');
    const testDb = await dialectsUnderTest()[0]!.create();
    const database = await openDatabase(testDb.config);
    const later = {
      ...MIGRATIONS,
      '0002_later_core': {
        up: async (db: import('kysely').Kysely<any>) => {
          await db.schema.createTable('later_core').addColumn('id', 'text').execute();
        },
      },
    };
    expect(await migrate(database.db, database.dialect, later)).toEqual(['0002_later_core']);
    expect(await migrate(database.db, database.dialect, later)).toEqual([]);
    await database.close();
    await testDb.drop();
  });
});

for (const dialect of dialectsUnderTest()) {
  it(`counts what a database held before runs fixed their data as seen evidence (${dialect.name})`, async () => {
    const { migrate } = await import('../../src/storage/database.js');
    const { MIGRATIONS } = await import('../../src/storage/migrations/index.js');
    const { '0004_run_test_data': _later, ...before } = MIGRATIONS;
    const testDb = await dialect.create();
    const database = await openDatabase(testDb.config, before);
    const repo = new Repository(database.db, database.dialect);
    const { vendor } = await repo.vendors.createVendor(
      { orgNumber: '974760673', name: 'Old', email: 'o@example.no' },
      sha256Hex('tok-old'),
    );
    const sys = await repo.systems.createSystem(vendor.id, { name: 'EPJ' }, 'test');
    await database.db
      .insertInto('system_versions')
      .values({ id: 'v-old', system_id: sys.id, version: '1', released_at: null, created_at: new Date().toISOString() } as never)
      .execute();
    await database.db
      .insertInto('runs')
      .values({ id: 'r-old', vendor_id: vendor.id, system_version_id: 'v-old', created_at: new Date().toISOString() })
      .execute();
    await database.db
      .insertInto('generated_messages')
      .values({ run_id: 'r-old', testcase_id: 'tc-r', msg_id: 'gen-1', xml: '<x/>', created_at: new Date().toISOString() })
      .execute();
    for (const id of ['s1', 's2']) {
      await database.db
        .insertInto('submissions')
        .values({
          id,
          run_id: 'r-old',
          testcase_id: `tc-${id}`,
          profile_id: 'p',
          verdict: 'passed',
          findings: '[]',
          findings_sha256: 'f',
          validation: '{}',
          content_type: 'application/xml',
          artifact: Buffer.from('a'),
          artifact_sha256: 'same-sha',
          artifact_size: 1,
          created_at: new Date().toISOString(),
        })
        .execute();
    }
    expect(await migrate(database.db, database.dialect)).toEqual(['0004_run_test_data']);
    const claims = await repo.submissions.findEvidenceClaims([
      { kind: 'msgid', value: 'gen-1' },
      { kind: 'sha256', value: 'same-sha' },
    ]);
    expect(claims.map((c) => [c.kind, c.origin, c.runId])).toEqual(
      expect.arrayContaining([
        ['msgid', 'generated', 'r-old'],
        ['sha256', 'submitted', 'r-old'],
      ]),
    );
    expect(claims).toHaveLength(2);
    expect((await repo.runs.getRun('r-old'))!.testData).toBeNull();
    await database.close();
    await testDb.drop();
  });
}

for (const dialect of dialectsUnderTest()) {
  it(`gives FHIR servers claimed before proof of control existed a challenge token, unverified (${dialect.name})`, async () => {
    const { migrate } = await import('../../src/storage/database.js');
    const { MIGRATIONS } = await import('../../src/storage/migrations/index.js');
    const { '1040_fhir_endpoint_challenge': _later, ...before } = MIGRATIONS;
    const testDb = await dialect.create();
    const database = await openDatabase(testDb.config, before);
    const repo = new Repository(database.db, database.dialect);
    const { vendor } = await repo.vendors.createVendor(
      { orgNumber: '974760673', name: 'Tidlig', email: 't@example.no' },
      sha256Hex('tok-tidlig'),
    );
    for (const server of ['fhir.tidlig.example', 'fhir.tidlig.example:8443'])
      await database.db
        .insertInto('fhir_endpoints')
        .values({ server, vendor_id: vendor.id, created_at: new Date().toISOString() } as never)
        .execute();
    expect(await migrate(database.db, database.dialect)).toEqual(['1040_fhir_endpoint_challenge']);
    const first = await repo.systems.fhirEndpoint('https://fhir.tidlig.example/r4');
    const second = await repo.systems.fhirEndpoint('https://fhir.tidlig.example:8443/r4');
    expect(first).toEqual({
      server: 'fhir.tidlig.example',
      vendorId: vendor.id,
      challengeToken: expect.stringMatching(/^[\w-]{43}$/),
      verifiedAt: null,
    });
    expect(second).toMatchObject({ server: 'fhir.tidlig.example:8443', verifiedAt: null });
    // Each claim its own token: one server's proof proves nothing about another.
    expect(second!.challengeToken).not.toBe(first!.challengeToken);
    await database.close();
    await testDb.drop();
  });
}

describe('PostgreSQL connections the server ends', () => {
  const url = process.env.DATABASE_URL;
  it.skipIf(!url)('do not end the process: the next query opens a fresh connection', async () => {
    const pgDialect = dialectsUnderTest().find((d) => d.name === 'postgres')!;
    const testDb = await pgDialect.create();
    const database = await openDatabase(testDb.config);
    const repo = new Repository(database.db, database.dialect);
    await repo.ping();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const dbName = new URL(testDb.config.databaseUrl!).pathname.slice(1);
    // The pool learns that a connection was ended when its client reads the server's message; the
    // test waits for that (the pool's 'error', which samsvar logs), not for a time that a loaded
    // machine may not keep.
    let noticed = 0;
    let allNoticed: () => void = () => undefined;
    const errors = vi.spyOn(console, 'error').mockImplementation((message: unknown) => {
      if (String(message).includes('closed by the server')) noticed++;
      allNoticed();
    });
    try {
      const ended = await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [dbName],
      );
      await admin.end();
      expect(ended.rowCount).toBeGreaterThan(0);
      await new Promise<void>((resolve) => {
        allNoticed = () => noticed >= ended.rowCount! && resolve();
        allNoticed();
      });
    } finally {
      errors.mockRestore();
    }
    await expect(repo.ping()).resolves.toBeUndefined();
    await database.close();
    await testDb.drop();
  });
});
