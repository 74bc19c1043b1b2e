import type { Kysely } from 'kysely';
import { AuditRepository } from './audit-repository.js';
import type { SqlDialect } from './dialect.js';
import { ProfileRepository } from './profile-repository.js';
import { RunRepository } from './run-repository.js';
import type { CoreTables } from './schema.js';
import { SubmissionRepository } from './submission-repository.js';
import { SystemRepository } from './system-repository.js';
import { VendorRepository } from './vendor-repository.js';

/**
 * The service's storage: one interface over SQLite and PostgreSQL, one repository per entity over
 * the same database. Each state change runs in one transaction together with its audit entry; the
 * method returns only after COMMIT.
 */
export class Repository {
  readonly vendors: VendorRepository;
  readonly systems: SystemRepository;
  readonly runs: RunRepository;
  readonly submissions: SubmissionRepository;
  readonly profiles: ProfileRepository;
  readonly audit: AuditRepository;

  constructor(
    readonly db: Kysely<CoreTables>,
    readonly dialect: SqlDialect,
  ) {
    this.vendors = new VendorRepository(db);
    this.systems = new SystemRepository(db);
    this.runs = new RunRepository(db);
    this.submissions = new SubmissionRepository(db);
    this.profiles = new ProfileRepository(db);
    this.audit = new AuditRepository(db);
  }

  /** Whether the database answers, for /readyz. */
  async ping(): Promise<void> {
    await this.db.selectFrom('vendors').select('id').limit(1).execute();
  }
}
