import { newId } from '../core/ids.js';
import { SamsvarError } from '../core/samsvar-error.js';
import { checkOrgNumber } from '../identifiers/norwegian-ids.js';
import {
  DECLARATION_TYPE,
  type DeclarationContent,
  type Deviation,
  type Direction,
  type IssuanceDetails,
  type Manufacturer,
  type PassedTestcase,
  type ProductIdentification,
  type ProfileConformance,
} from './declaration.js';
import { checkIssuanceDetails } from './issuance.js';
import { osloDay } from '../core/oslo-day.js';
import { failureReason, judgeTestcase, type Waiver } from '../waivers/waivers.js';

/**
 * What a finished run says about itself, in the shape the declaration needs. The service maps its
 * run records onto this; nothing here knows how runs are stored.
 */
export interface RunOutcome {
  runId: string;
  /** When the run opened (ISO): its evidence is no younger. */
  openedAt?: string;
  manufacturer: Manufacturer;
  product: ProductIdentification;
  samsvarVersion: string;
  /** `changed`: the content tested (the profile's own, or that of a profile it uses) is no longer the one served. */
  profiles: Array<Omit<ProfileConformance, 'direction'> & { status?: 'draft' | 'active' | 'deprecated' | 'retired' | 'changed' }>;
  testCases: Array<{
    id: string;
    profile: string;
    direction: Direction;
    /** Rule ids of the error findings (engine and test-case assertions) over all the case's artifacts. */
    errorRuleIds: string[];
    /** Why the case fails whatever the waivers say, e.g. nothing was submitted for it. */
    blocked?: string;
    evidence: PassedTestcase['evidence'];
  }>;
}

export interface IssueOptions {
  issuer: { name: string; url: string };
  kid: string;
  now: Date;
  /** Place of issue and signatory, as the vendor states them. */
  issuance: IssuanceDetails;
  /** How long a declaration is valid without deviations; default 24 months. */
  validityMonths?: number;
  waivers?: Waiver[];
  id?: string;
}

export const STATEMENT_NB =
  'Denne egenerklæringen utstedes på leverandørens eget ansvar. Leverandøren erklærer at systemversjonen ' +
  'over oppfyller meldingsprofilene som er listet, slik de ble testet i samsvar mot de angitte testtilfellene.';

export function addMonths(d: Date, months: number): Date {
  const r = new Date(d.getTime());
  // A day the target month lacks (29 February, the 31st) is its last day, not the next month's first.
  r.setUTCDate(1);
  r.setUTCMonth(r.getUTCMonth() + months);
  const last = new Date(Date.UTC(r.getUTCFullYear(), r.getUTCMonth() + 1, 0)).getUTCDate();
  r.setUTCDate(Math.min(d.getUTCDate(), last));
  return r;
}

/**
 * Builds the content of a level B declaration covering the run's passed profiles only. A profile
 * passes when it has test cases, every one of them passes once active waivers are applied
 * (judgeTestcase, the same decision the run status shows), and the profile is active (neither
 * retired nor back in draft).
 * Waived findings are listed as deviations, and the earliest deadline among them caps the expiry.
 */
export function buildDeclaration(run: RunOutcome, opts: IssueOptions): DeclarationContent {
  const org = checkOrgNumber(run.manufacturer.organisasjonsnummer);
  if (!org.ok) {
    throw new SamsvarError(
      'unprocessable',
      `the vendor's organisasjonsnummer ${run.manufacturer.organisasjonsnummer} is not valid: ${org.problem}`,
    );
  }
  const issuance = checkIssuanceDetails(opts.issuance);
  const validityMonths = opts.validityMonths ?? 24;
  // A declaration is valid so long after the test; evidence older than that (re-issued from an old run) would extend it untested.
  if (run.openedAt && addMonths(new Date(run.openedAt), validityMonths) <= opts.now) {
    throw new SamsvarError(
      'unprocessable',
      `run ${run.runId} opened on ${osloDay(run.openedAt)}, longer ago than a declaration is valid (${validityMonths} months); open a new run to test the system again`,
    );
  }
  const waivers = opts.waivers ?? [];
  const conformsTo: ProfileConformance[] = [];
  const testCases: PassedTestcase[] = [];
  const deviations: Deviation[] = [];
  const refusals: string[] = [];

  for (const profile of [...run.profiles].sort((a, b) => a.profile.localeCompare(b.profile))) {
    const cases = run.testCases.filter((t) => t.profile === profile.profile);
    // As for level A: only what is in force can be declared. A run opened on an active profile
    // that an administrator has since moved back to draft tested something not (yet) in force.
    if (profile.status === 'changed') {
      refusals.push(
        `${profile.profile}: the content of ${profile.version} or of a profile it uses changed since the run opened; open a new run to test what is in force`,
      );
      continue;
    }
    if (profile.status === 'retired') {
      refusals.push(`${profile.profile}: the profile version ${profile.version} is retired`);
      continue;
    }
    if (profile.status === 'draft') {
      refusals.push(`${profile.profile}: the profile version ${profile.version} is draft; only active profiles can be declared`);
      continue;
    }
    if (cases.length === 0) {
      refusals.push(`${profile.profile}: no test case was run`);
      continue;
    }
    const blocked = cases.filter((c) => c.blocked).sort((a, b) => a.id.localeCompare(b.id));
    if (blocked.length > 0) {
      refusals.push(`${profile.profile}: ${blocked.map((c) => `test case ${c.id} ${c.blocked}`).join(', ')}`);
      continue;
    }
    const judged = cases.map((c) => ({ c, j: judgeTestcase(profile.profile, c.errorRuleIds, waivers, opts.now) }));
    const failing = judged.flatMap(({ c, j }) => (j.outcome === 'failed' ? [`${c.id} ${failureReason(j)}`] : [])).sort();
    if (failing.length > 0) {
      refusals.push(`${profile.profile}: test case ${failing.join(', ')}`);
      continue;
    }
    // A profile tested both ways is declared once per direction: MedCom certifies send and receive separately.
    for (const direction of [...new Set(cases.map((c) => c.direction))].sort()) {
      conformsTo.push({ ...stripStatus(profile), direction });
    }
    for (const { c, j } of [...judged].sort((a, b) => a.c.id.localeCompare(b.c.id))) {
      if (j.outcome !== 'passed_with_deviation') {
        testCases.push({ id: c.id, profile: c.profile, direction: c.direction, evidence: c.evidence });
        continue;
      }
      testCases.push({ id: c.id, profile: c.profile, direction: c.direction, evidence: c.evidence, waived: j.waived.map((w) => w.ruleId) });
      for (const w of j.waived) {
        if (!deviations.some((d) => d.profile === profile.profile && d.ruleId === w.ruleId)) {
          deviations.push({ profile: profile.profile, ruleId: w.ruleId, justification: w.justification, deadline: w.deadline });
        }
      }
    }
  }

  if (conformsTo.length === 0) {
    throw new SamsvarError(
      'unprocessable',
      `run ${run.runId} has no passed profile, so there is nothing to declare (${refusals.join('; ') || 'the run has no profiles'})`,
      {
        refusals,
      },
    );
  }

  let expiresAt = addMonths(opts.now, validityMonths);
  for (const d of deviations) {
    const deadline = new Date(d.deadline);
    if (deadline < expiresAt) expiresAt = deadline;
  }

  return {
    type: DECLARATION_TYPE,
    id: opts.id ?? `egn-${newId(16)}`,
    issuer: opts.issuer,
    manufacturer: run.manufacturer,
    product: run.product,
    statement: STATEMENT_NB,
    assuranceLevel: 'B',
    conformsTo,
    testCases,
    deviations,
    validator: { name: 'samsvar', version: run.samsvarVersion },
    runId: run.runId,
    placeOfIssue: issuance.placeOfIssue,
    signatory: issuance.signatory,
    issuedAt: opts.now.toISOString(),
    expiresAt: expiresAt.toISOString(),
    kid: opts.kid,
  };
}

function stripStatus<T extends { status?: unknown }>(p: T): Omit<T, 'status'> {
  const { status: _status, ...rest } = p;
  return rest;
}
