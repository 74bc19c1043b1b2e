/**
 * A signed self-declaration (egenerklæring): what a vendor declares about one system version.
 * The fields follow what the EHDS regulation (EU 2025/327, Annex IV) asks of an EU declaration of
 * conformity for an EHR system: manufacturer, product identification, the statement of sole
 * responsibility, the specifications conformed to, date and place of issue, the name and function
 * of the person who signs on the manufacturer's behalf, and the signature (here a JWS by the
 * scheme's key, named by `kid`).
 */
export type AssuranceLevel = 'A' | 'B' | 'C';

import type { Direction } from '../testcases/testcase.js';
import type { SpotCheckReason } from './spot-checks.js';
import type { UsedProfile } from '../profiles/used-profiles.js';

/** send: the system produces the message or resource; receive: it consumes it and answers with an AppRec. */
export type { Direction };

export const DECLARATION_TYPE = 'samsvar-egenerklaering/1';

export interface Manufacturer {
  name: string;
  organisasjonsnummer: string;
  /**
   * Whether an administrator had verified the organisation against Enhetsregisteret when the
   * declaration was issued; `unverified`: name and number are as the vendor registered them.
   * (Absent in declarations issued before vendors were verified.) The registry shows the current state.
   */
  identity?: 'verified' | 'unverified';
}

export interface ProductIdentification {
  /** The EPJ system's name as registered by the vendor. */
  name: string;
  version: string;
  /** The service's id of the system, when it has one. */
  systemId?: string;
}

export interface ProfileConformance {
  profile: string;
  version: string;
  title: string;
  direction: Direction;
  /** SHA-256 of the exact profile content the tests ran against (LoadedProfile.sha256). */
  profileSha256: string;
  /**
   * The profiles whose rules the tests also applied (the profile's `uses`, e.g. msghead-1.2's
   * Hodemelding rules), with their content's SHA-256; absent when it uses none, and in declarations
   * issued before runs recorded them.
   */
  uses?: UsedProfile[];
  /** The standard the profile implements. */
  specification?: string;
}

export interface EvidenceDigest {
  name: string;
  /** SHA-256 of the artifact's bytes as submitted. */
  sha256: string;
  /**
   * SHA-256 of the findings samsvar reported for it, as the run service stored them: the JSON text
   * of the findings array in the order and key order reported (not canonical JSON).
   */
  findingsSha256: string;
}

export interface PassedTestcase {
  id: string;
  profile: string;
  direction: Direction;
  evidence: EvidenceDigest[];
  /** The rules whose errors it passed only by a waiver (the deviations); absent, it passed outright. */
  waived?: string[];
}

/** The person who signs for the manufacturer (EHDS Annex IV: name and function). */
export interface Signatory {
  name: string;
  /** The signatory's function at the manufacturer, e.g. "daglig leder" or "produktansvarlig". */
  function: string;
}

/** What the vendor states when it issues: where, and who signs. Required for every level. */
export interface IssuanceDetails {
  placeOfIssue: string;
  signatory: Signatory;
}

/** A document a vendor attached to a level A declaration; the bytes stay in the service, the digest is signed. */
export interface DocumentDigest {
  name: string;
  mediaType: string;
  size: number;
  sha256: string;
}

/** A finding an administrator waived (approval with reservations): it must be fixed by the deadline. */
export interface Deviation {
  profile: string;
  ruleId: string;
  justification: string;
  /** ISO date-time; the declaration expires then unless a new run clears the finding. */
  deadline: string;
}

export interface DeclarationContent {
  type: typeof DECLARATION_TYPE;
  id: string;
  /** Who runs the scheme and signs (the issuer of the JWS), and where the declaration can be checked. */
  issuer: { name: string; url: string };
  manufacturer: Manufacturer;
  product: ProductIdentification;
  /** The statement of sole responsibility, in Norwegian bokmål. */
  statement: string;
  assuranceLevel: AssuranceLevel;
  conformsTo: ProfileConformance[];
  testCases: PassedTestcase[];
  deviations: Deviation[];
  /** The documentation a level A declaration rests on (absent for B: its evidence is the test cases). */
  documentation?: DocumentDigest[];
  /** The samsvar version whose engine validated the evidence; absent for A, where nothing was tested. */
  validator?: { name: 'samsvar'; version: string };
  /** The test run the declaration was issued from; absent for A. */
  runId?: string;
  /** Place of issue, as the vendor states it (EHDS Annex IV). */
  placeOfIssue: string;
  /** Who signs on behalf of the manufacturer (EHDS Annex IV). */
  signatory: Signatory;
  issuedAt: string;
  expiresAt: string;
  kid: string;
}

export type DeclarationStatus = 'active' | 'revoked' | 'superseded' | 'expired';

export interface Revocation {
  at: string;
  reason: string;
  /** Who revoked: an administrator's name, or SPOT_CHECK_BY when a spot check revoked it. */
  by: string;
  /** A spot check's revocation: why, as data (revocations from before this was kept have none). */
  spotCheck?: SpotCheckReason;
}

/** Who a revocation names when a spot check revoked the declaration. */
export const SPOT_CHECK_BY = 'stikkprøve';

/** What a laboratory re-ran before confirming level C: its own run, and per test case the SHA-256 of its own evidence. */
export interface LabRetest {
  runId: string;
  testCases: Array<{ id: string; evidence: EvidenceDigest[] }>;
}

/**
 * A test laboratory's confirmation that lifts a B declaration to C, after its own re-test.
 * (Countersignatures from before re-tests were recorded may name an administrator and carry no `retest`.)
 */
export interface CountersignatureContent {
  type: 'samsvar-kontrasignatur/1';
  declarationId: string;
  /** SHA-256 of the declaration's compact JWS: the countersignature binds that exact token. */
  declarationJwsSha256: string;
  assuranceLevel: 'C';
  confirmedBy: { name: string; role: 'admin' | 'lab' };
  retest?: LabRetest;
  statement: string;
  at: string;
  kid: string;
}
