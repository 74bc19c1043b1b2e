import type { ColumnType, Generated } from 'kysely';
import type { Verdict } from '../core/verdict.js';

/** Table types of the core service. Times are ISO-8601 UTC strings so both dialects store them alike. */
export interface VendorsTable {
  id: string;
  org_number: string;
  name: string;
  email: string;
  created_at: string;
}

export type TokenRole = 'vendor' | 'admin' | 'lab';

export interface ApiTokensTable {
  id: string;
  /** SHA-256 (hex) of the token; the token itself is shown once and never stored. */
  token_hash: string;
  role: TokenRole;
  vendor_id: string | null;
  name: string;
  created_at: string;
  revoked_at: string | null;
}

export interface SystemsTable {
  id: string;
  vendor_id: string;
  name: string;
  description: string | null;
  created_at: string;
}

export interface SystemVersionsTable {
  id: string;
  system_id: string;
  version: string;
  released_at: string | null;
  created_at: string;
  /** The system's own test communication party in the address register (null for versions registered before it was asked). */
  her_id: string | null;
  /** The FHIR API live tests of this version run against (null: none registered, so no live test runs). */
  fhir_base_url: string | null;
}

/** Which vendor registered a FHIR base URL first: no other vendor may register it. */
export interface FhirEndpointsTable {
  /** Host, and port when not the scheme's default (fhirServerOf). */
  server: string;
  vendor_id: string;
  created_at: string;
  /** Migration 1040: what the server must serve at /.well-known/samsvar-challenge/{token} to prove the vendor controls it. */
  challenge_token: string | null;
  /** Migration 1040: when samsvar saw the server serve the token (null: not verified, so no live test on it counts). */
  verified_at: string | null;
}

export interface RunsTable {
  id: string;
  vendor_id: string;
  system_version_id: string;
  created_at: string;
  /** Migration 0110: the laboratory token that opened the run for a re-test (null: the vendor's own run). */
  lab_token_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface RunProfilesTable {
  run_id: string;
  profile_id: string;
  profile_version: string;
  /** The exact profile content the run is tested against (LoadedProfile.sha256 at opening). */
  profile_sha256: string;
  /** JSON [{ profile, version, profileSha256 }]: the profiles its validation also applies (profiles/used-profiles.ts). */
  uses: ColumnType<string, string | undefined, string>;
  position: number;
}

/** The test data a run fixes when it opens: its own synthetic patient and both communication parties. */
export interface RunTestDataTable {
  run_id: string;
  patient_fnr: string;
  patient_hnr: string;
  patient_given_name: string;
  patient_family_name: string;
  patient_date_of_birth: string;
  samsvar_name: string;
  samsvar_her_id: string;
  system_name: string;
  system_her_id: string | null;
}

/** A MsgId or SHA-256 (kind) first used as evidence, or generated, by a run's test case. */
export interface EvidenceClaimsTable {
  kind: 'sha256' | 'msgid' | 'resource';
  value: string;
  run_id: string;
  testcase_id: string;
  /** submitted: a vendor's artifact; generated: a message samsvar generated for a receive test case. */
  origin: 'submitted' | 'generated';
  created_at: string;
}

export interface GeneratedMessagesTable {
  run_id: string;
  testcase_id: string;
  msg_id: string;
  xml: string;
  created_at: string;
}

export interface SubmissionsTable {
  id: string;
  run_id: string;
  testcase_id: string;
  profile_id: string;
  verdict: Verdict;
  /** JSON array of Finding. */
  findings: string;
  findings_sha256: string;
  /** JSON of the engine's ValidationResult minus findings (profile, version, detection). */
  validation: string;
  content_type: string;
  artifact: Uint8Array;
  artifact_sha256: string;
  artifact_size: number;
  created_at: string;
}

export interface ProfileStatusTable {
  profile_id: string;
  status: 'draft' | 'active' | 'deprecated' | 'retired';
  reason: string | null;
  changed_at: string;
  changed_by: string;
}

export interface ProfileContentsTable {
  profile_id: string;
  sha256: string;
  version: string;
  source: string;
  first_loaded_at: string;
}

export interface ProfileVersionsTable {
  profile_id: string;
  version: string;
  /** LoadedProfile.sha256 of the content: the same id and version never name other content. */
  sha256: string;
  kind: string;
  status: 'draft' | 'active' | 'deprecated' | 'retired';
  reason: string | null;
  /** For `deprecated`: the profile id or version to use instead. */
  replacement: string | null;
  /** Set when this version was activated: declarations tested against an older version must be re-tested by then. */
  retest_deadline: string | null;
  /** When it last became active: the newest activated version is the one declarations must be re-tested against. */
  activated_at: string | null;
  imported_at: string;
  imported_by: string;
  changed_at: string;
  changed_by: string;
}

export interface AuditLogTable {
  seq: Generated<number>;
  at: string;
  actor: string;
  action: string;
  object_type: string;
  object_id: string;
  /** JSON object with what changed, never secrets. */
  details: string;
}

export interface RevalidationsTable {
  id: string;
  profile_id: string;
  profile_version: string;
  profile_sha256: string;
  /** JSON [{ profile, version, profileSha256 }]: the profiles it uses, as loaded when the job was made. */
  uses: ColumnType<string, string | undefined, string>;
  status: 'queued' | 'running' | 'done';
  total: number;
  created_at: string;
  created_by: string;
  finished_at: string | null;
}

export interface RevalidationItemsTable {
  revalidation_id: string;
  position: number;
  submission_id: string;
  old_verdict: Verdict;
  new_verdict: Verdict | null;
  new_errors: string | null;
  skipped: string | null;
  done_at: string | null;
}

export interface CoreTables {
  vendors: VendorsTable;
  api_tokens: ApiTokensTable;
  systems: SystemsTable;
  system_versions: SystemVersionsTable;
  fhir_endpoints: FhirEndpointsTable;
  runs: RunsTable;
  run_profiles: RunProfilesTable;
  generated_messages: GeneratedMessagesTable;
  run_test_data: RunTestDataTable;
  evidence_claims: EvidenceClaimsTable;
  submissions: SubmissionsTable;
  profile_status: ProfileStatusTable;
  profile_contents: ProfileContentsTable;
  profile_versions: ProfileVersionsTable;
  audit_log: AuditLogTable;
  revalidations: RevalidationsTable;
  revalidation_items: RevalidationItemsTable;
}
