import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';
import * as m0001 from './0001_core.js';
import * as m0002 from './0002_profile_contents.js';
import * as m0003 from './0003_profile_versions.js';
import * as m0004 from './0004_run_test_data.js';
import * as m0100 from './0100_declarations.js';
import * as m0101 from './0101_declarations_level_a.js';
import * as m0110 from './0110_declaration_integrity.js';
import * as m0200 from './0200_web_sessions.js';
import * as m0300 from './0300_revalidations.js';
import * as m0400 from './0400_append_only.js';
import * as m0500 from './0500_registry_indexes.js';
import * as m0600 from './0600_registry_search.js';
import * as m0700 from './0700_profile_packages.js';
import * as m0800 from './0800_status_due.js';
import * as m0900 from './0900_registry_trigram.js';
import * as m1000 from './1000_revocation_spot_check.js';
import * as m1010 from './1010_log_causes.js';
import * as m1020 from './1020_fhir_endpoints.js';
import * as m1030 from './1030_run_profile_uses.js';
import * as m1040 from './1040_fhir_endpoint_challenge.js';
import * as m1050 from './1050_revalidation_uses.js';

export interface SamsvarMigration {
  up(db: Kysely<any>, dialect: SqlDialect): Promise<void>;
}

/**
 * Every migration, keyed by its numbered name; applied in name order at start. Core tables are
 * 00xx; declarations and registry add 01xx; web sessions 02xx; re-validation jobs 03xx; storage hardening 04xx; registry indexes 05xx;
 * registry search 06xx; profile packages in the database 07xx; the status queue 08xx; registry trigram indexes 09xx;
 * status causes kept as data, FHIR endpoints of system versions and their proof of control 10xx
 * (import the module and add one line here).
 */
export const MIGRATIONS: Record<string, SamsvarMigration> = {
  '0001_core': m0001,
  '0002_profile_contents': m0002,
  '0003_profile_versions': m0003,
  '0004_run_test_data': m0004,
  '0100_declarations': m0100,
  '0101_declarations_level_a': m0101,
  '0110_declaration_integrity': m0110,
  '0200_web_sessions': m0200,
  '0300_revalidations': m0300,
  '0400_append_only': m0400,
  '0500_registry_indexes': m0500,
  '0600_registry_search': m0600,
  '0700_profile_packages': m0700,
  '0800_status_due': m0800,
  '0900_registry_trigram': m0900,
  '1000_revocation_spot_check': m1000,
  '1010_log_causes': m1010,
  '1020_fhir_endpoints': m1020,
  '1030_run_profile_uses': m1030,
  '1040_fhir_endpoint_challenge': m1040,
  '1050_revalidation_uses': m1050,
};
