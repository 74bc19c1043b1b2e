import { sql, type ExpressionBuilder, type Kysely, type SelectQueryBuilder, type Transaction } from 'kysely';
import { appendAudit } from '../storage/audit-log.js';
export type { DueRow } from '../storage/status-due.js';
import { AT_ONCE, dueRows, markDue, markRetestDeadlinesDue, markVersionDue, settledDue, type DueRow } from '../storage/status-due.js';
import { isUniqueViolation } from '../storage/unique-violation.js';
import type { VendorVerificationTables } from '../storage/vendor-verifications.js';
import { SamsvarError } from '../core/samsvar-error.js';
import type { DeclarationContent, DeclarationStatus, DocumentDigest, Revocation } from '../declarations/declaration.js';
import type { SpotCheck, SpotCheckReason } from '../declarations/spot-checks.js';
import type { StatusCause } from '../declarations/status.js';
import type { Waiver } from '../waivers/waivers.js';
import { decodeUnverified } from '../signing/jws.js';
import type { SqlDialect } from '../storage/dialect.js';
import type { CoreTables } from '../storage/schema.js';
import { containsPattern, fold, searchColumns, trigramQuery, type TrigramTerm } from '../storage/search-text.js';
import { nextEntry, type LogEntry, type LogEvent } from '../transparency/log-chain.js';
import type { Verdict } from '../core/verdict.js';

/** Tables of migration 0100_declarations. */
export interface DeclarationTables {
  declarations: {
    id: string;
    vendor_id: string;
    /** Null for a level A declaration, which no run backs. */
    run_id: string | null;
    jws: string;
    jws_sha256: string;
    content: string;
    org_number: string;
    system_name: string;
    system_version: string;
    issued_at: string;
    expires_at: string;
    logged_status: DeclarationStatus;
    /** Migration 0600: folded texts a search filters by (storage/search-text.ts). */
    vendor_folded: string | null;
    system_folded: string | null;
    search_text: string | null;
  };
  /** Migration 1000: `spot_check`, a spot check's revocation's SpotCheckReason as JSON. */
  declaration_revocations: { declaration_id: string; at: string; reason: string; revoked_by: string; spot_check: string | null };
  countersignatures: { id: string; declaration_id: string; jws: string; at: string; confirmed_by: string };
  transparency_log: {
    seq: number;
    at: string;
    type: string;
    declaration_id: string;
    subject_sha256: string;
    detail: string | null;
    prev: string;
    hash: string;
  };
  /** Migration 1010: why the registry logged a status it computed, as StatusCause JSON, by log entry. */
  log_causes: { seq: number; cause: string };
  waivers: {
    id: string;
    run_id: string;
    rule_id: string;
    profile_id: string | null;
    justification: string;
    deadline: string;
    granted_by: string;
    granted_at: string;
  };
  spot_checks: {
    id: string;
    declaration_id: string;
    test_cases: string;
    requested_by: string;
    requested_at: string;
    deadline: string;
    answer: string | null;
    outcome: string | null;
  };
  /** Migration 0101: the documentation of level A declarations. */
  declaration_documents: {
    declaration_id: string;
    position: number;
    name: string;
    media_type: string;
    size: number;
    sha256: string;
    content: Uint8Array;
  };
  /** Migration 0500: the profiles and directions each declaration covers, for indexed supersession. */
  declaration_profiles: { declaration_id: string; profile: string; direction: string };
  /** Migration 0900, SQLite only: the folded texts in an FTS5 trigram index, kept by triggers. */
  declarations_search: { declaration_id: string; vendor: string; system: string; text: string };
}

/** Which newer declarations of a system version may supersede one (see DeclarationStore.supersessionCandidates). */
export interface SupersessionQuery {
  orgNumber: string;
  systemName: string;
  systemVersion: string;
  /** Only declarations issued after this (ISO time). */
  issuedAfter: string;
  /** Only declarations still unexpired at this time (ISO). */
  now: string;
  /** Minimum effective level: B and C need a run behind them, C also a laboratory's countersignature. */
  minLevel: 'A' | 'B' | 'C';
  /** Only declarations covering this profile in this direction. */
  covering?: { profile: string; direction: string };
  limit: number;
  offset: number;
}

/** What a registry search asks of declarations; every part is a condition in SQL (see declarationPage). */
export interface DeclarationFilter {
  profile?: string;
  /** Any of these profiles (the pages' standard filter); empty finds nothing. */
  profilesAnyOf?: readonly string[];
  /** Organisasjonsnummer, or part of the vendor's name (any case). */
  vendor?: string;
  /** Part of the system's name (any case). */
  system?: string;
  /** Words that must each occur in the free text. */
  q?: string;
  /**
   * The recorded status (logged_status, kept current by every read and by the sweep), with expiry
   * by time applied here: a declaration past its expiry is expired whatever was recorded.
   */
  status?: DeclarationStatus;
  level?: 'A' | 'B' | 'C';
  /** Now (ISO), for expiry. */
  now: string;
}

type Db = Kysely<CoreTables & DeclarationTables>;
/** A registry search: declarations, on SQLite joined to the trigram index's hits. */
type Search = SelectQueryBuilder<CoreTables & DeclarationTables, 'declarations' | 'declarations_search', object>;

export interface StoredDeclaration {
  id: string;
  vendorId: string;
  runId: string | null;
  jws: string;
  jwsSha256: string;
  content: DeclarationContent;
  loggedStatus: DeclarationStatus;
  revocation?: Revocation;
  countersignatures: Array<{ id: string; jws: string; at: string; confirmedBy: string }>;
}

export interface StoredSpotCheck extends SpotCheck {
  outcome: Verdict | 'missed' | null;
}

function logRow(e: LogEntry): DeclarationTables['transparency_log'] {
  return {
    seq: e.seq,
    at: e.at,
    type: e.type,
    declaration_id: e.declarationId,
    subject_sha256: e.subjectSha256,
    detail: e.detail ?? null,
    prev: e.prev,
    hash: e.hash,
  };
}

function logEntry(r: DeclarationTables['transparency_log']): LogEntry {
  return {
    seq: Number(r.seq),
    at: r.at,
    type: r.type as LogEntry['type'],
    declarationId: r.declaration_id,
    subjectSha256: r.subject_sha256,
    ...(r.detail !== null ? { detail: r.detail } : {}),
    prev: r.prev,
    hash: r.hash,
  };
}

/**
 * Storage of declarations and everything around them, on SQLite and PostgreSQL. Every change
 * that the public must be able to audit appends to the transparency log in the same transaction,
 * next to the service's audit log entry.
 */
export class DeclarationStore {
  private readonly db: Db;

  constructor(
    db: Kysely<CoreTables>,
    private readonly dialect: SqlDialect,
  ) {
    this.db = db as unknown as Db;
  }

  /**
   * Appends to the log inside `trx` (`appendLogIn`: for another store's transaction, e.g. a key rotation). On PostgreSQL a transaction-scoped advisory lock orders
   * appenders; SQLite transactions are serialised already. The primary key on seq is the backstop.
   */
  async appendLogIn<T>(trx: Transaction<T>, event: LogEvent, now: Date): Promise<LogEntry> {
    return this.appendLog(trx as unknown as Transaction<CoreTables & DeclarationTables>, event, now);
  }

  private async appendLog(trx: Transaction<CoreTables & DeclarationTables>, event: LogEvent, now: Date): Promise<LogEntry> {
    if (this.dialect === 'postgres') await sql`select pg_advisory_xact_lock(5100)`.execute(trx);
    const last = await trx.selectFrom('transparency_log').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirst();
    const entry = nextEntry(last ? logEntry(last) : undefined, event, now);
    await trx.insertInto('transparency_log').values(logRow(entry)).execute();
    return entry;
  }

  /** Stores the declaration (and a level A declaration's documents) and logs its issuance, in one transaction. */
  async insertDeclaration(
    input: {
      vendorId: string;
      jws: string;
      jwsSha256: string;
      content: DeclarationContent;
      documents?: Array<{ digest: DocumentDigest; bytes: Uint8Array }>;
    },
    actor: string,
    now: Date,
  ): Promise<LogEntry> {
    const d = input.content;
    return this.db.transaction().execute(async (trx) => {
      if (d.runId) {
        // Two requests for one run: the row lock (PostgreSQL; SQLite runs one write transaction at a time) makes the second see the first's declaration.
        if (this.dialect === 'postgres') await sql`select id from runs where id = ${d.runId} for update`.execute(trx);
        const existing = await trx
          .selectFrom('declarations')
          .select(['id', 'logged_status'])
          .where('run_id', '=', d.runId)
          .where('logged_status', 'in', ['active', 'revoked'])
          .executeTakeFirst();
        if (existing)
          throw new SamsvarError(
            'conflict',
            existing.logged_status === 'revoked'
              ? `run ${d.runId} gave the declaration ${existing.id}, which was revoked; open a new run to declare the system again`
              : `run ${d.runId} already has the active declaration ${existing.id}`,
            { declarationId: existing.id },
          );
      }
      await trx
        .insertInto('declarations')
        .values({
          id: d.id,
          vendor_id: input.vendorId,
          run_id: d.runId ?? null,
          jws: input.jws,
          jws_sha256: input.jwsSha256,
          content: JSON.stringify(d),
          org_number: d.manufacturer.organisasjonsnummer,
          system_name: d.product.name,
          system_version: d.product.version,
          issued_at: d.issuedAt,
          expires_at: d.expiresAt,
          logged_status: 'active',
          ...searchColumns(d),
        })
        .execute();
      const covered = [
        ...new Map(
          d.conformsTo.map((p) => [
            `${p.profile}\u0000${p.direction}`,
            { declaration_id: d.id, profile: p.profile, direction: p.direction },
          ]),
        ).values(),
      ];
      if (covered.length > 0) await trx.insertInto('declaration_profiles').values(covered).execute();
      // It expires by itself, and at the re-test deadlines already set; the older ones of its version it may supersede are looked at again.
      await markDue(trx as unknown as Kysely<CoreTables>, d.id, d.expiresAt);
      await markRetestDeadlinesDue(
        trx as unknown as Kysely<CoreTables>,
        d.id,
        covered.map((p) => p.profile),
      );
      await markVersionDue(trx as unknown as Kysely<CoreTables>, {
        orgNumber: d.manufacturer.organisasjonsnummer,
        systemName: d.product.name,
        systemVersion: d.product.version,
        issuedBefore: d.issuedAt,
      });
      const documents = input.documents ?? [];
      if (documents.length > 0) {
        await trx
          .insertInto('declaration_documents')
          .values(
            documents.map((doc, position) => ({
              declaration_id: d.id,
              position,
              name: doc.digest.name,
              media_type: doc.digest.mediaType,
              size: doc.digest.size,
              sha256: doc.digest.sha256,
              content: doc.bytes,
            })),
          )
          .execute();
      }
      const entry = await this.appendLog(trx, { type: 'issued', declarationId: d.id, subjectSha256: input.jwsSha256 }, now);
      await appendAudit(
        trx as unknown as Kysely<CoreTables>,
        {
          actor,
          action: 'declaration.issue',
          objectType: 'declaration',
          objectId: d.id,
          details: { runId: d.runId ?? null, assuranceLevel: d.assuranceLevel, documents: documents.length, logSeq: entry.seq },
        },
        now.toISOString(),
      );
      return entry;
    });
  }

  /**
   * Adds revocations and countersignatures. For the whole registry (`all`) they are read without
   * naming the ids: one statement takes a bounded number of values (SQLite 32,766), and the
   * registry must not stop working at that size.
   */
  private async hydrate(rows: DeclarationTables['declarations'][], all = false): Promise<StoredDeclaration[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const revocationQuery = this.db.selectFrom('declaration_revocations').selectAll();
    const countersignatureQuery = this.db.selectFrom('countersignatures').selectAll().orderBy('at');
    const [revocations, countersignatures] = await Promise.all([
      (all ? revocationQuery : revocationQuery.where('declaration_id', 'in', ids)).execute(),
      (all ? countersignatureQuery : countersignatureQuery.where('declaration_id', 'in', ids)).execute(),
    ]);
    const revocationOf = new Map(revocations.map((x) => [x.declaration_id, x]));
    const countersignaturesOf = new Map<string, StoredDeclaration['countersignatures']>();
    for (const c of countersignatures) {
      const list = countersignaturesOf.get(c.declaration_id) ?? [];
      list.push({ id: c.id, jws: c.jws, at: c.at, confirmedBy: c.confirmed_by });
      countersignaturesOf.set(c.declaration_id, list);
    }
    return rows.map((r) => {
      const rev = revocationOf.get(r.id);
      return {
        id: r.id,
        vendorId: r.vendor_id,
        runId: r.run_id,
        jws: r.jws,
        jwsSha256: r.jws_sha256,
        // The signed token is the authority: what is shown is what was signed, whatever the content column says.
        content: decodeUnverified<DeclarationContent>(r.jws) ?? (JSON.parse(r.content) as DeclarationContent),
        loggedStatus: r.logged_status,
        ...(rev
          ? {
              revocation: {
                at: rev.at,
                reason: rev.reason,
                by: rev.revoked_by,
                ...(rev.spot_check ? { spotCheck: JSON.parse(rev.spot_check) as SpotCheckReason } : {}),
              },
            }
          : {}),
        countersignatures: countersignaturesOf.get(r.id) ?? [],
      };
    });
  }

  /** Vendors an administrator verified (vendor_verifications, migration 0110). */
  async verifiedVendorIds(): Promise<Set<string>> {
    const rows = await (this.db as unknown as Kysely<VendorVerificationTables>)
      .selectFrom('vendor_verifications')
      .select('vendor_id')
      .execute();
    return new Set(rows.map((r) => r.vendor_id));
  }

  async getDeclaration(id: string): Promise<StoredDeclaration | undefined> {
    const row = await this.db.selectFrom('declarations').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? (await this.hydrate([row]))[0] : undefined;
  }

  /** A level A declaration's document with its bytes, found by the digest the declaration lists. */
  async document(declarationId: string, sha256: string): Promise<{ digest: DocumentDigest; bytes: Uint8Array } | undefined> {
    const row = await this.db
      .selectFrom('declaration_documents')
      .selectAll()
      .where('declaration_id', '=', declarationId)
      .where('sha256', '=', sha256)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      digest: { name: row.name, mediaType: row.media_type, size: Number(row.size), sha256: row.sha256 },
      bytes: new Uint8Array(row.content),
    };
  }

  async getDeclarationByJwsSha256(sha: string): Promise<StoredDeclaration | undefined> {
    const row = await this.db.selectFrom('declarations').selectAll().where('jws_sha256', '=', sha).executeTakeFirst();
    return row ? (await this.hydrate([row]))[0] : undefined;
  }

  /** Level A declarations a vendor issued since `since` (ISO time), for the issuance rate limit. */
  async countSelfDeclaredSince(vendorId: string, since: string): Promise<number> {
    const row = await this.db
      .selectFrom('declarations')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('vendor_id', '=', vendorId)
      .where('run_id', 'is', null)
      .where('issued_at', '>', since)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Every declaration: status needs the others (supersession), and the registry is small enough to hold. */
  async listDeclarations(): Promise<StoredDeclaration[]> {
    const rows = await this.db.selectFrom('declarations').selectAll().orderBy('issued_at', 'desc').orderBy('id').execute();
    return this.hydrate(rows, true);
  }

  /**
   * Newer declarations of one system version that may supersede another, newest first, one page at
   * a time: not revoked, not logged as expired, unexpired and of at least the level asked for (the
   * caller still checks the rest of their standing: retired or changed profiles, missed re-tests). Indexed on (version, issued_at) and the
   * covered profiles, so the cost follows the page, not the registry.
   */
  async supersessionCandidates(q: SupersessionQuery): Promise<Array<{ id: string; content: DeclarationContent }>> {
    let query = this.db
      .selectFrom('declarations')
      .select(['declarations.id', 'declarations.jws', 'declarations.content'])
      .where('org_number', '=', q.orgNumber)
      .where('system_name', '=', q.systemName)
      .where('system_version', '=', q.systemVersion)
      .where('issued_at', '>', q.issuedAfter)
      .where('expires_at', '>', q.now)
      .where('logged_status', '!=', 'expired')
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('declaration_revocations')
              .select('declaration_id')
              .whereRef('declaration_revocations.declaration_id', '=', 'declarations.id'),
          ),
        ),
      );
    if (q.minLevel !== 'A') query = query.where('run_id', 'is not', null);
    if (q.minLevel === 'C') {
      query = query.where(({ exists, selectFrom }) =>
        exists(
          selectFrom('countersignatures')
            .select('countersignatures.id')
            .whereRef('countersignatures.declaration_id', '=', 'declarations.id')
            .where('confirmed_by', 'like', 'lab:%'),
        ),
      );
    }
    if (q.covering) {
      const { profile, direction } = q.covering;
      query = query.where(({ exists, selectFrom }) =>
        exists(
          selectFrom('declaration_profiles')
            .select('declaration_profiles.declaration_id')
            .whereRef('declaration_profiles.declaration_id', '=', 'declarations.id')
            .where('declaration_profiles.profile', '=', profile)
            .where('declaration_profiles.direction', '=', direction),
        ),
      );
    }
    const rows = await query.orderBy('issued_at', 'desc').orderBy('id').limit(q.limit).offset(q.offset).execute();
    // Unrevoked by the query and of the level asked for: the content is all the caller needs.
    return rows.map((r) => ({
      id: r.id,
      content: decodeUnverified<DeclarationContent>(r.jws) ?? (JSON.parse(r.content) as DeclarationContent),
    }));
  }

  /** The declarations issued from one run (index declarations_run). */
  async declarationsOfRun(runId: string): Promise<StoredDeclaration[]> {
    return this.hydrate(await this.db.selectFrom('declarations').selectAll().where('run_id', '=', runId).execute());
  }

  /**
   * One page of the registry, newest first then by id (index declarations_issued), filtered in the
   * database, and how many match: only the page's rows leave the database, whatever the registry's size.
   */
  async declarationPage(
    limit: number,
    offset: number,
    filter: DeclarationFilter = { now: new Date().toISOString() },
  ): Promise<{ total: number; items: StoredDeclaration[] }> {
    const [count, rows] = await Promise.all([
      this.filtered(filter)
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow(),
      this.filtered(filter).selectAll('declarations').orderBy('issued_at', 'desc').orderBy('id').limit(limit).offset(offset).execute(),
    ]);
    return { total: Number(count.n), items: await this.hydrate(rows) };
  }

  private filtered(f: DeclarationFilter) {
    const like = (column: 'vendor_folded' | 'system_folded' | 'search_text', needle: string) =>
      sql<boolean>`${sql.ref(column)} like ${containsPattern(fold(needle))} escape '\\'`;
    type Where = ExpressionBuilder<CoreTables & DeclarationTables, 'declarations'>;
    const covering = (eb: Where, profiles: readonly string[]) =>
      eb.exists(
        eb
          .selectFrom('declaration_profiles')
          .select('declaration_profiles.declaration_id')
          .whereRef('declaration_profiles.declaration_id', '=', 'declarations.id')
          .where('declaration_profiles.profile', 'in', profiles),
      );
    const labConfirmed = (eb: Where) =>
      eb.exists(
        eb
          .selectFrom('countersignatures')
          .select('countersignatures.id')
          .whereRef('countersignatures.declaration_id', '=', 'declarations.id')
          .where('confirmed_by', 'like', 'lab:%'),
      );
    const vendor = f.vendor?.trim();
    const system = f.system?.trim();
    const words = fold(f.q ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .slice(0, 20);
    let query = this.searchFrom([
      // The free text holds the organisasjonsnummer, so an exact one is found there too.
      ...(vendor ? [{ columns: ['vendor', 'text'] as const, needle: fold(vendor) }] : []),
      ...(system ? [{ columns: ['system'] as const, needle: fold(system) }] : []),
      ...words.map((needle) => ({ columns: ['text'] as const, needle })),
    ]);
    if (f.profile) query = query.where((eb) => covering(eb, [f.profile!]));
    if (f.profilesAnyOf)
      query = f.profilesAnyOf.length ? query.where((eb) => covering(eb, f.profilesAnyOf!)) : query.where(sql<boolean>`1 = 0`);
    if (vendor) query = query.where((eb) => eb.or([eb('org_number', '=', vendor), like('vendor_folded', vendor)]));
    if (system) query = query.where(like('system_folded', system));
    for (const word of words) query = query.where(like('search_text', word));
    if (f.status === 'revoked') query = query.where('logged_status', '=', 'revoked');
    else if (f.status === 'expired')
      query = query.where((eb) =>
        eb.or([eb('logged_status', '=', 'expired'), eb.and([eb('logged_status', '!=', 'revoked'), eb('expires_at', '<=', f.now)])]),
      );
    else if (f.status) query = query.where('logged_status', '=', f.status).where('expires_at', '>', f.now);
    if (f.level === 'A') query = query.where('run_id', 'is', null);
    else if (f.level === 'B') query = query.where('run_id', 'is not', null).where((eb) => eb.not(labConfirmed(eb)));
    else if (f.level === 'C') query = query.where((eb) => labConfirmed(eb));
    return query;
  }

  /**
   * Where a search starts. PostgreSQL's trigram indexes (migration 0900) serve the LIKE conditions
   * themselves. On SQLite the FTS5 trigram index finds the declarations containing every term of
   * three characters or more, and the declarations are read by id from its hits only; CROSS JOIN
   * fixes that order, since SQLite would otherwise start from an index on another condition (the
   * status, say) and test the hits for each declaration it reads. Without such a term the search
   * reads the column, as shorter terms have no trigram to look up.
   */
  private searchFrom(terms: readonly TrigramTerm[]): Search {
    const match = this.dialect === 'sqlite' ? trigramQuery(terms) : undefined;
    if (match === undefined) return this.db.selectFrom('declarations') as unknown as Search;
    return this.db
      .selectFrom('declarations_search')
      .crossJoin('declarations')
      .whereRef('declarations.id', '=', 'declarations_search.declaration_id')
      .where(sql<boolean>`declarations_search match ${match}`);
  }

  /**
   * A page of the system versions with a declaration of any of these profiles whose recorded status
   * is one of `statuses` (active ones not expired by time), by system name, version and
   * organisasjonsnummer, how many such versions there are, and those declarations of the page's
   * versions, newest first. Starts from declaration_profiles(profile) (index
   * declaration_profiles_profile): declarations of other profiles are never read.
   */
  async coveragePage(q: {
    profiles: readonly string[];
    statuses: ReadonlyArray<'active' | 'revoked'>;
    now: string;
    limit: number;
    offset: number;
  }): Promise<{ total: number; items: StoredDeclaration[] }> {
    if (q.profiles.length === 0 || q.statuses.length === 0) return { total: 0, items: [] };
    const matching = () =>
      this.db
        .selectFrom('declarations')
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('declaration_profiles')
              .select('declaration_profiles.declaration_id')
              .whereRef('declaration_profiles.declaration_id', '=', 'declarations.id')
              .where('declaration_profiles.profile', 'in', [...new Set(q.profiles)]),
          ),
        )
        .where((eb) =>
          eb.or(
            q.statuses.map((st) =>
              st === 'active' ? eb.and([eb('logged_status', '=', 'active'), eb('expires_at', '>', q.now)]) : eb('logged_status', '=', st),
            ),
          ),
        );
    const versions = () => matching().select(['org_number', 'system_name', 'system_version']).distinct();
    const [count, page] = await Promise.all([
      this.db
        .selectFrom(versions().as('versions'))
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow(),
      versions().orderBy('system_name').orderBy('system_version').orderBy('org_number').limit(q.limit).offset(q.offset).execute(),
    ]);
    if (page.length === 0) return { total: Number(count.n), items: [] };
    const rows = await matching()
      .selectAll()
      .where((eb) =>
        eb.or(
          page.map((v) =>
            eb.and([
              eb('org_number', '=', v.org_number),
              eb('system_name', '=', v.system_name),
              eb('system_version', '=', v.system_version),
            ]),
          ),
        ),
      )
      .orderBy('issued_at', 'desc')
      .orderBy('id')
      .execute();
    return { total: Number(count.n), items: await this.hydrate(rows) };
  }

  /** How many declarations there are and of how many system versions (the front page's figures), counted in the database. */
  async registryCounts(now: string): Promise<{ declarations: number; active: number; systems: number }> {
    const [all, active, systems] = await Promise.all([
      this.db
        .selectFrom('declarations')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow(),
      this.filtered({ status: 'active', now })
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow(),
      this.db
        .selectFrom((eb) => eb.selectFrom('declarations').select(['org_number', 'system_name', 'system_version']).distinct().as('versions'))
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow(),
    ]);
    return { declarations: Number(all.n), active: Number(active.n), systems: Number(systems.n) };
  }

  /** The declarations with these ids (a feed's page), in no particular order. */
  async declarationsByIds(ids: readonly string[]): Promise<StoredDeclaration[]> {
    if (ids.length === 0) return [];
    return this.hydrate(
      await this.db
        .selectFrom('declarations')
        .selectAll()
        .where('id', 'in', [...new Set(ids)])
        .execute(),
    );
  }

  /** Which of these runs a declaration was issued from. */
  async declaredRuns(runIds: readonly string[]): Promise<Set<string>> {
    const unique = [...new Set(runIds)];
    const found = new Set<string>();
    // In chunks: a statement takes a bounded number of values (SQLite 32,766).
    for (let i = 0; i < unique.length; i += 500) {
      const rows = await this.db
        .selectFrom('declarations')
        .select('run_id')
        .where('run_id', 'in', unique.slice(i, i + 500))
        .execute();
      for (const r of rows) found.add(r.run_id!);
    }
    return found;
  }

  /** Revokes, or (`withdrawn`) records the manufacturer's withdrawal; once per declaration (the primary key is the backstop for concurrent calls). */
  async revoke(
    id: string,
    revocation: Revocation,
    subjectSha256: string,
    actor: string,
    now: Date,
    type: 'revoked' | 'withdrawn' = 'revoked',
  ): Promise<LogEntry> {
    return this.db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('declaration_revocations')
        .select('declaration_id')
        .where('declaration_id', '=', id)
        .executeTakeFirst();
      if (existing) throw new SamsvarError('conflict', `declaration ${id} is already revoked`);
      try {
        await trx
          .insertInto('declaration_revocations')
          .values({
            declaration_id: id,
            at: revocation.at,
            reason: revocation.reason,
            revoked_by: revocation.by,
            spot_check: revocation.spotCheck ? JSON.stringify(revocation.spotCheck) : null,
          })
          .execute();
      } catch (e) {
        // A concurrent revocation committed between the check and the insert (PostgreSQL): the primary key refuses the second.
        if (isUniqueViolation(e)) throw new SamsvarError('conflict', `declaration ${id} is already revoked`);
        throw e;
      }
      await trx.updateTable('declarations').set({ logged_status: 'revoked' }).where('id', '=', id).execute();
      await this.markOlderDue(trx, id);
      const entry = await this.appendLog(trx, { type, declarationId: id, subjectSha256, detail: revocation.reason }, now);
      await appendAudit(
        trx as unknown as Kysely<CoreTables>,
        {
          actor,
          action: type === 'withdrawn' ? 'declaration.withdraw' : 'declaration.revoke',
          objectType: 'declaration',
          objectId: id,
          details: { reason: revocation.reason, logSeq: entry.seq },
        },
        now.toISOString(),
      );
      return entry;
    });
  }

  async addCountersignature(
    input: { id: string; declarationId: string; jws: string; jwsSha256: string; confirmedBy: string },
    actor: string,
    now: Date,
  ): Promise<LogEntry> {
    return this.db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('countersignatures')
        .select('id')
        .where('declaration_id', '=', input.declarationId)
        .executeTakeFirst();
      if (existing) throw new SamsvarError('conflict', `declaration ${input.declarationId} is already countersigned`);
      try {
        await trx
          .insertInto('countersignatures')
          .values({
            id: input.id,
            declaration_id: input.declarationId,
            jws: input.jws,
            at: now.toISOString(),
            confirmed_by: input.confirmedBy,
          })
          .execute();
      } catch (e) {
        if (isUniqueViolation(e)) throw new SamsvarError('conflict', `declaration ${input.declarationId} is already countersigned`);
        throw e;
      }
      // Lifted to C: it may no longer be superseded by a B, and may now supersede older C declarations.
      await markDue(trx as unknown as Kysely<CoreTables>, input.declarationId, AT_ONCE);
      await this.markOlderDue(trx, input.declarationId);
      const entry = await this.appendLog(
        trx,
        { type: 'countersigned', declarationId: input.declarationId, subjectSha256: input.jwsSha256, detail: input.confirmedBy },
        now,
      );
      await appendAudit(
        trx as unknown as Kysely<CoreTables>,
        {
          actor,
          action: 'declaration.countersign',
          objectType: 'declaration',
          objectId: input.declarationId,
          details: { countersignature: input.id, logSeq: entry.seq },
        },
        now.toISOString(),
      );
      return entry;
    });
  }

  /**
   * Logs a status the registry computed (superseded, expired, or active again) once: the
   * conditional update makes a concurrent sweep that got there first win, and this one write nothing.
   */
  async recordStatusChange(
    id: string,
    from: DeclarationStatus,
    to: 'superseded' | 'expired' | 'active',
    subjectSha256: string,
    detail: string | undefined,
    cause: StatusCause | undefined,
    now: Date,
  ): Promise<LogEntry | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('declarations')
        .set({ logged_status: to })
        .where('id', '=', id)
        .where('logged_status', '=', from)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return undefined;
      if (to === 'expired') await this.markOlderDue(trx, id);
      const type = to === 'active' ? 'reinstated' : to;
      const entry = await this.appendLog(trx, { type, declarationId: id, subjectSha256, ...(detail ? { detail } : {}) }, now);
      if (cause)
        await trx
          .insertInto('log_causes')
          .values({ seq: entry.seq, cause: JSON.stringify(cause) })
          .execute();
      await appendAudit(
        trx as unknown as Kysely<CoreTables>,
        { actor: 'system', action: `declaration.${type}`, objectType: 'declaration', objectId: id, details: { logSeq: entry.seq } },
        now.toISOString(),
      );
      return entry;
    });
  }

  /**
   * Marks the older declarations of this one's system version whose status can still change due at
   * once: when it stops being in force (revoked, withdrawn, expired) superseded ones may come back,
   * and when it may now supersede them (countersigned) active ones may be superseded.
   */
  private async markOlderDue(trx: Transaction<CoreTables & DeclarationTables>, id: string): Promise<void> {
    const d = await trx
      .selectFrom('declarations')
      .select(['org_number', 'system_name', 'system_version', 'issued_at'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!d) return;
    await markVersionDue(trx as unknown as Kysely<CoreTables>, {
      orgNumber: d.org_number,
      systemName: d.system_name,
      systemVersion: d.system_version,
      issuedBefore: d.issued_at,
    });
  }

  /** Up to `limit` rows of the status queue due by `now` (storage/status-due.ts); they stay queued until {@link settledDue}. */
  async dueRows(now: string, limit: number): Promise<DueRow[]> {
    return dueRows(this.db as unknown as Kysely<CoreTables>, now, limit);
  }

  /** Takes these rows off the queue once their declarations were evaluated; a row marked again since it was read stays. */
  async settledDue(rows: readonly DueRow[]): Promise<void> {
    await settledDue(this.db as unknown as Kysely<CoreTables>, rows);
  }

  async logPage(after: number, limit: number): Promise<LogEntry[]> {
    const rows = await this.db.selectFrom('transparency_log').selectAll().where('seq', '>', after).orderBy('seq').limit(limit).execute();
    return rows.map(logEntry);
  }

  async logEntry(seq: number): Promise<LogEntry | undefined> {
    const row = await this.db.selectFrom('transparency_log').selectAll().where('seq', '=', seq).executeTakeFirst();
    return row ? logEntry(row) : undefined;
  }

  async lastLogEntry(): Promise<LogEntry | undefined> {
    const row = await this.db.selectFrom('transparency_log').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirst();
    return row ? logEntry(row) : undefined;
  }

  /** Newest first, for feeds. */
  async recentLog(limit: number): Promise<LogEntry[]> {
    const rows = await this.db.selectFrom('transparency_log').selectAll().orderBy('seq', 'desc').limit(limit).execute();
    return rows.map(logEntry);
  }

  /** Why the registry logged the status changes at these entries, where it kept that (migration 1010). */
  async logCauses(seqs: readonly number[]): Promise<Map<number, StatusCause>> {
    if (seqs.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('log_causes')
      .selectAll()
      .where('seq', 'in', [...seqs])
      .execute();
    return new Map(rows.map((r) => [Number(r.seq), JSON.parse(r.cause) as StatusCause]));
  }

  async addWaiver(w: Waiver, actor: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('waivers')
        .values({
          id: w.id,
          run_id: w.runId,
          rule_id: w.ruleId,
          profile_id: w.profile ?? null,
          justification: w.justification,
          deadline: w.deadline,
          granted_by: w.grantedBy,
          granted_at: w.grantedAt,
        })
        .execute();
      await appendAudit(
        trx as unknown as Kysely<CoreTables>,
        {
          actor,
          action: 'waiver.grant',
          objectType: 'run',
          objectId: w.runId,
          details: { waiver: w.id, ruleId: w.ruleId, profile: w.profile, deadline: w.deadline },
        },
        w.grantedAt,
      );
    });
  }

  async waiversOf(runId: string): Promise<Waiver[]> {
    const rows = await this.db.selectFrom('waivers').selectAll().where('run_id', '=', runId).orderBy('granted_at').execute();
    return rows.map((r) => ({
      id: r.id,
      runId: r.run_id,
      ruleId: r.rule_id,
      ...(r.profile_id !== null ? { profile: r.profile_id } : {}),
      justification: r.justification,
      deadline: r.deadline,
      grantedBy: r.granted_by,
      grantedAt: r.granted_at,
    }));
  }

  async addSpotCheck(sc: SpotCheck, actor: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('spot_checks')
        .values({
          id: sc.id,
          declaration_id: sc.declarationId,
          test_cases: JSON.stringify(sc.testCases),
          requested_by: sc.requestedBy,
          requested_at: sc.requestedAt,
          deadline: sc.deadline,
          answer: null,
          outcome: null,
        })
        .execute();
      await markDue(trx as unknown as Kysely<CoreTables>, sc.declarationId, sc.deadline);
      await appendAudit(
        trx as unknown as Kysely<CoreTables>,
        {
          actor,
          action: 'spot_check.request',
          objectType: 'declaration',
          objectId: sc.declarationId,
          details: { spotCheck: sc.id, testCases: sc.testCases, deadline: sc.deadline },
        },
        sc.requestedAt,
      );
    });
  }

  private spotCheckOf(r: DeclarationTables['spot_checks']): StoredSpotCheck {
    return {
      id: r.id,
      declarationId: r.declaration_id,
      testCases: JSON.parse(r.test_cases) as string[],
      requestedBy: r.requested_by,
      requestedAt: r.requested_at,
      deadline: r.deadline,
      ...(r.answer ? { answer: JSON.parse(r.answer) as SpotCheck['answer'] } : {}),
      outcome: r.outcome as StoredSpotCheck['outcome'],
    };
  }

  async spotCheck(id: string): Promise<StoredSpotCheck | undefined> {
    const row = await this.db.selectFrom('spot_checks').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? this.spotCheckOf(row) : undefined;
  }

  async spotChecksOf(declarationId: string): Promise<StoredSpotCheck[]> {
    const rows = await this.db
      .selectFrom('spot_checks')
      .selectAll()
      .where('declaration_id', '=', declarationId)
      .orderBy('requested_at')
      .execute();
    return rows.map((r) => this.spotCheckOf(r));
  }

  /** Open spot checks, of one declaration or (none named) of all. */
  async openSpotChecks(declarationId?: string): Promise<StoredSpotCheck[]> {
    let query = this.db.selectFrom('spot_checks').selectAll().where('outcome', 'is', null);
    if (declarationId) query = query.where('declaration_id', '=', declarationId);
    const rows = await query.execute();
    return rows.map((r) => this.spotCheckOf(r));
  }

  /** Records the vendor's answer and, when final, the outcome; only while the check is still open. */
  async closeSpotCheck(
    id: string,
    answer: SpotCheck['answer'] | undefined,
    outcome: Verdict | 'missed' | null,
    actor: string,
    now: Date,
  ): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const set: { answer?: string; outcome: string | null } = { outcome };
      if (answer) set.answer = JSON.stringify(answer);
      const updated = await trx.updateTable('spot_checks').set(set).where('id', '=', id).where('outcome', 'is', null).executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return false;
      await appendAudit(
        trx as unknown as Kysely<CoreTables>,
        {
          actor,
          action: answer ? 'spot_check.answer' : 'spot_check.close',
          objectType: 'spot_check',
          objectId: id,
          details: { outcome, runId: answer?.runId },
        },
        now.toISOString(),
      );
      return true;
    });
  }
}
