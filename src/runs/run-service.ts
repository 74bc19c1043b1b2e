import { SamsvarError } from '../core/samsvar-error.js';
import { unreadableArtifactError, type ArtifactValidator } from '../engine/engine.js';
import type { Principal } from '../auth/principal.js';
import { actorOf } from '../auth/principal.js';
import type { ProfileCatalog } from '../profiles/catalog.js';
import type { Repository } from '../storage/repository.js';
import { TestPatientTaken, type RunMessage, type Run } from '../storage/run-repository.js';
import { EvidenceClaimTaken, type Submission, type SubmissionSummary } from '../storage/submission-repository.js';
import type { FhirEndpoint, System, SystemVersion } from '../storage/system-repository.js';
import type { RunTestData } from '../core/run-test-data.js';
import { holdsRealPersonNumber } from '../core/finding.js';
import { sha256Hex } from '../core/sha256.js';
import { checkSystemHerId, drawRunTestData, SAMSVAR_HER_IDS } from '../testcases/run-data.js';
import { challengeAnswer, challengeUrl, fhirServerOf, normalizeFhirBaseUrl } from '../live/fhir-base-url.js';
import { evidenceValues, replayFindings, shippedFindings, withRefusals } from '../testcases/evidence-checks.js';
import type { ShippedEvidence } from '../testcases/shipped-evidence.js';
import { directionOf, type Direction, type Testcase } from '../testcases/testcase.js';
import type { EvaluationContext } from '../testcases/evaluate-submission.js';
import { effectiveStatus } from './profile-lifecycle.js';
import type { Waiver } from '../waivers/waivers.js';
import { profileStatus, runState, type ProfileState, type ProfileStatus } from './run-status.js';
import { findTestcase, testcasesOf, type TestcaseSuite } from './testcase-suite.js';
import { usedProfileRefs } from '../profiles/used-profiles.js';

export interface RunServiceDeps {
  repo: Repository;
  engine: ArtifactValidator;
  catalog: ProfileCatalog;
  testcases: TestcaseSuite;
  /** The waivers administrators granted on runs; without it no finding is waived in the run status. */
  waivers?: { waiversOf(runId: string): Promise<Waiver[]> };
  /** The files shipped with samsvar and its profiles (examples, templates) now: an artifact equal to one is no evidence. */
  shipped?: () => ShippedEvidence;
  now?: () => Date;
}

export interface RunView {
  id: string;
  systemVersionId: string;
  system: { id: string; name: string; version: string; fhirBaseUrl: string | null; fhirServerVerified: boolean };
  createdAt: string;
  /** Set on a laboratory's re-test run: the token of the laboratory that opened it. */
  labTokenId?: string;
  /** passed when every profile of the run passed; passed_with_deviation when some passed only by active waivers. */
  status: ProfileState;
  profiles: ProfileStatus[];
  /** What the run requires of every message the system sends or answers with (null for runs opened before runs fixed their data). */
  testData: RunTestData | null;
  /** When the run is opened: a draft profile (trial run, cannot be declared) or a deprecated one (and its replacement). */
  warnings?: string[];
}

/** A version's registered FHIR API and whether its vendor proved control of the server (the challenge to serve). */
export interface FhirServerStatus {
  fhirBaseUrl: string;
  /** Host, and port when not the scheme's default: what the vendor holds and proves control of. */
  server: string;
  verified: boolean;
  verifiedAt?: string;
  /** The server must answer GET url with 200 and `answer` as its whole (trimmed) body; `token` is the URL's last segment. */
  challenge: { url: string; token: string; answer: string };
}

/** The stored record of a live run: the LiveTestResult as JSON. */
export const LIVE_RECORD_TYPE = 'application/vnd.samsvar.live-run+json';

function sameBase(a: string, b: string): boolean {
  try {
    return normalizeFhirBaseUrl(a, 'baseUrl') === normalizeFhirBaseUrl(b, 'fhirBaseUrl');
  } catch {
    return false;
  }
}

/** Whether the vendor proved control of the server holding this endpoint (another vendor's proof is none of its). */
function verifiedFor(endpoint: FhirEndpoint | undefined, vendorId: string): endpoint is FhirEndpoint & { verifiedAt: string } {
  return !!endpoint?.verifiedAt && endpoint.vendorId === vendorId;
}

function serverStatus(fhirBaseUrl: string, endpoint: FhirEndpoint, vendorId: string): FhirServerStatus {
  const verified = verifiedFor(endpoint, vendorId);
  return {
    fhirBaseUrl,
    server: endpoint.server,
    verified,
    ...(verified ? { verifiedAt: endpoint.verifiedAt } : {}),
    challenge: {
      url: challengeUrl(fhirBaseUrl, endpoint.challengeToken),
      token: endpoint.challengeToken,
      answer: challengeAnswer(endpoint.challengeToken, vendorId),
    },
  };
}

/** Why nothing tested at a version's server counts yet: its vendor has not proved control of it. */
function unverifiedServer(version: SystemVersion): string {
  const base = `/api/v1/systems/${version.systemId}/versions/${version.id}/fhir-base-url`;
  return `the FHIR server ${fhirServerOf(version.fhirBaseUrl!)} registered for system version ${version.version} is not verified as the vendor's: serve the challenge answer (GET ${base}) at the server's challenge URL and verify it (POST ${base}/verify)`;
}

const notFound = (what: string, id: string) => new SamsvarError('not_found', `${what} '${id}' not found`);

function requireVendor(p: Principal): string {
  if (p.role !== 'vendor') throw new SamsvarError('forbidden', 'this action needs a vendor token');
  return p.vendorId;
}

/** Who submits to a run: the laboratory that opened a re-test run, else the vendor that owns it. */
function isOperator(p: Principal, run: Run): boolean {
  if (run.labTokenId) return p.role === 'lab' && p.tokenId === run.labTokenId;
  return p.role === 'vendor' && p.vendorId === run.vendorId;
}

/** A vendor sees only its own objects; administrators and labs read all. Others' objects are "not found". */
function canRead(p: Principal, vendorId: string): boolean {
  return p.role !== 'vendor' || p.vendorId === vendorId;
}

/**
 * Systems, runs and submissions: the vendor-facing domain of the service. Every method takes the
 * caller and checks access; it knows nothing of HTTP.
 */
export class RunService {
  constructor(private readonly deps: RunServiceDeps) {}

  async createSystem(p: Principal, input: { name: string; description?: string }): Promise<System> {
    const vendorId = requireVendor(p);
    return this.deps.repo.systems.createSystem(vendorId, { name: input.name.trim(), description: input.description }, actorOf(p));
  }

  async listSystems(p: Principal): Promise<System[]> {
    return this.deps.repo.systems.listSystems(requireVendor(p));
  }

  async getSystem(p: Principal, id: string): Promise<System> {
    const sys = await this.deps.repo.systems.getSystem(id);
    if (!sys || !canRead(p, sys.vendorId)) throw notFound('system', id);
    return sys;
  }

  async createVersion(
    p: Principal,
    systemId: string,
    input: { version: string; releasedAt?: string; herId?: string; fhirBaseUrl?: string },
  ): Promise<SystemVersion> {
    const vendorId = requireVendor(p);
    const sys = await this.deps.repo.systems.getSystem(systemId);
    if (!sys || sys.vendorId !== vendorId) throw notFound('system', systemId);
    const herId = input.herId === undefined || input.herId.trim() === '' ? undefined : checkSystemHerId(input.herId);
    const fhirBaseUrl =
      input.fhirBaseUrl === undefined || input.fhirBaseUrl.trim() === ''
        ? undefined
        : normalizeFhirBaseUrl(input.fhirBaseUrl, 'fhirBaseUrl');
    return this.deps.repo.systems.createSystemVersion(
      systemId,
      { version: input.version.trim(), releasedAt: input.releasedAt, herId, fhirBaseUrl },
      actorOf(p),
    );
  }

  /**
   * Registers or moves the FHIR API of one of the vendor's system versions. A live test run
   * against the previous one stops counting in every run of the version (see view()).
   */
  async setFhirBaseUrl(p: Principal, systemId: string, versionId: string, fhirBaseUrl: string): Promise<SystemVersion> {
    const vendorId = requireVendor(p);
    const version = await this.deps.repo.systems.getSystemVersion(versionId);
    if (!version || version.systemId !== systemId || version.vendorId !== vendorId) throw notFound('system version', versionId);
    return this.deps.repo.systems.setFhirBaseUrl(version.id, normalizeFhirBaseUrl(fhirBaseUrl, 'fhirBaseUrl'), actorOf(p));
  }

  /** The registered FHIR API of one of the vendor's system versions, with the challenge that proves control of its server. */
  async fhirServerStatus(p: Principal, systemId: string, versionId: string): Promise<FhirServerStatus> {
    const { fhirBaseUrl, endpoint, vendorId } = await this.registeredServer(p, systemId, versionId);
    return serverStatus(fhirBaseUrl, endpoint, vendorId);
  }

  /**
   * Fetches the challenge URL of the version's FHIR server, under the rules of a live run, and
   * records the server as verified when it serves the token: a base URL is the vendor's to test
   * only once its server shows that the vendor controls it (ACME HTTP-01 style).
   */
  async verifyFhirServer(p: Principal, systemId: string, versionId: string): Promise<FhirServerStatus> {
    const { fhirBaseUrl, endpoint, vendorId } = await this.registeredServer(p, systemId, versionId);
    if (verifiedFor(endpoint, vendorId)) return serverStatus(fhirBaseUrl, endpoint, vendorId);
    if (endpoint.verifiedAt)
      throw new SamsvarError('conflict', `the FHIR server ${endpoint.server} is verified as another vendor's`, { field: 'fhirBaseUrl' });
    const url = challengeUrl(fhirBaseUrl, endpoint.challengeToken);
    const expected = challengeAnswer(endpoint.challengeToken, vendorId);
    const outcome = await this.deps.testcases.checkServerChallenge(url, expected);
    if (!outcome.ok)
      throw new SamsvarError(
        'unprocessable',
        `the FHIR server ${endpoint.server} is not verified: ${outcome.reason}${outcome.kind === 'refused' ? '' : `; serve ${expected} as the whole body of ${url} and verify again`}`,
        { field: 'fhirBaseUrl', challenge: { url, answer: outcome.kind, ...(outcome.status ? { status: outcome.status } : {}) } },
      );
    return serverStatus(fhirBaseUrl, await this.deps.repo.systems.markFhirEndpointVerified(fhirBaseUrl, vendorId, actorOf(p)), vendorId);
  }

  private async registeredServer(
    p: Principal,
    systemId: string,
    versionId: string,
  ): Promise<{ fhirBaseUrl: string; endpoint: FhirEndpoint; vendorId: string }> {
    const vendorId = requireVendor(p);
    const version = await this.deps.repo.systems.getSystemVersion(versionId);
    if (!version || version.systemId !== systemId || version.vendorId !== vendorId) throw notFound('system version', versionId);
    if (!version.fhirBaseUrl)
      throw new SamsvarError(
        'not_found',
        `system version ${version.version} has no FHIR base URL registered: register it (PUT /api/v1/systems/${systemId}/versions/${versionId}/fhir-base-url) first`,
      );
    // Registering the URL made or joined a claim on the server; only a proof of control moves it.
    const endpoint = await this.deps.repo.systems.fhirEndpoint(version.fhirBaseUrl);
    if (!endpoint) throw notFound('FHIR server of system version', versionId);
    return { fhirBaseUrl: version.fhirBaseUrl, endpoint, vendorId };
  }

  /**
   * A vendor opens a run of its own system version; a laboratory (role `lab`) opens one of any
   * vendor's system version for its re-test (level C). Only whoever opened a run submits to it.
   */
  async openRun(p: Principal, input: { systemVersionId: string; profiles: string[] }): Promise<RunView> {
    if (p.role === 'admin') throw new SamsvarError('forbidden', 'runs are opened by vendors, and by test laboratories for a re-test');
    const version = await this.deps.repo.systems.getSystemVersion(input.systemVersionId);
    if (!version || (p.role === 'vendor' && version.vendorId !== p.vendorId)) throw notFound('system version', input.systemVersionId);
    const vendorId = version.vendorId;
    const ids = [...new Set(input.profiles)];
    if (ids.length !== input.profiles.length)
      throw new SamsvarError('unprocessable', 'profiles lists the same profile twice', { field: 'profiles' });
    const overrides = await this.deps.repo.profiles.profileStatuses();
    const warnings: string[] = [];
    const deprecated: string[] = [];
    const profiles = ids.map((id) => {
      const profile = this.deps.catalog.get(id);
      if (!profile)
        throw new SamsvarError('unprocessable', `unknown profile '${id}'; GET /api/v1/profiles lists them`, { field: 'profiles' });
      const status = effectiveStatus(profile, overrides);
      // A draft is open to trial runs (its declaration is refused); a deprecated version is still usable.
      if (status === 'retired')
        throw new SamsvarError('unprocessable', `profile '${id}' is retired; it cannot be tested any more`, { field: 'profiles' });
      if (testcasesOf(this.deps.testcases, id).length === 0) {
        throw new SamsvarError('unprocessable', `profile '${id}' has no test cases yet, so a run could never pass it`, {
          field: 'profiles',
        });
      }
      if (status === 'draft')
        warnings.push(
          `profile '${id}' ${profile.manifest.version} is a draft: this is a trial run, and no declaration can be issued for the profile until it is active`,
        );
      if (status === 'deprecated') deprecated.push(id);
      return {
        profileId: id,
        profileVersion: profile.manifest.version,
        profileSha256: profile.sha256,
        uses: usedProfileRefs(this.deps.catalog, profile),
      };
    });
    for (const id of deprecated) {
      const served = this.deps.catalog.get(id)!.manifest.version;
      const replacement = (await this.deps.repo.profiles.profileVersions(id)).find((v) => v.version === served)?.replacement;
      warnings.push(`profile '${id}' ${served} is deprecated${replacement ? `; use ${replacement} instead` : ''}`);
    }
    // A message the system sends names its own communication party: a run of message profiles needs it.
    const messages = profiles.some((rp) => this.deps.catalog.require(rp.profileId).manifest.kind === 'xml');
    if (messages && !version.herId) {
      throw new SamsvarError(
        'unprocessable',
        `system version ${version.version} has no HER-id: register the version with your system's test communication party (POST /api/v1/systems/${version.systemId}/versions with herId) before testing message profiles`,
        { field: 'systemVersionId' },
      );
    }
    const systemParty = version.herId ? { name: `${version.systemName} ${version.version}`, herId: version.herId } : null;
    for (let attempt = 0; ; attempt++) {
      try {
        const run = await this.deps.repo.runs.createRun(
          {
            vendorId,
            systemVersionId: version.id,
            profiles,
            ...(p.role === 'lab' ? { labTokenId: p.tokenId } : {}),
            testData: (id, openedAt) => drawRunTestData(id, openedAt, systemParty),
          },
          actorOf(p),
        );
        const view = await this.view(run);
        return warnings.length ? { ...view, warnings } : view;
      } catch (e) {
        // Another run has this test patient (the database keeps them unique): draw another.
        if (!(e instanceof TestPatientTaken) || attempt >= 5) throw e;
      }
    }
  }

  /** The test cases a run of `profile` holds for one direction: what a spot check of a level A declaration can ask for. */
  testcaseIdsOf(profile: string, direction: Direction): string[] {
    return testcasesOf(this.deps.testcases, profile)
      .filter((tc) => directionOf(tc) === direction)
      .map((tc) => tc.id);
  }

  async listRuns(p: Principal) {
    return this.deps.repo.runs.listRuns(requireVendor(p));
  }

  async getRun(p: Principal, runId: string): Promise<RunView> {
    return this.view(await this.readableRun(p, runId));
  }

  /** The message of a receive-kind test case for this run; generated on first fetch, then always the same. */
  async generatedMessage(p: Principal, runId: string, testcaseId: string): Promise<RunMessage> {
    const run = await this.readableRun(p, runId);
    const tc = this.testcaseOfRun(run, testcaseId);
    if (tc.kind !== 'receive')
      throw new SamsvarError(
        'unprocessable',
        `test case '${tc.id}' is a submit test case: your system produces its message; only receive test cases have a generated message`,
      );
    if (!isOperator(p, run)) {
      const existing = await this.deps.repo.runs.getGeneratedMessage(run.id, tc.id);
      if (!existing) throw notFound('generated message for test case', tc.id);
      return existing;
    }
    const data = run.testData;
    const receiver = data?.systemParty ?? undefined;
    return this.deps.repo.runs.getOrCreateGeneratedMessage(
      run.id,
      tc.id,
      () => this.deps.testcases.generate(tc, { runId: run.id, receiver, runPatient: data?.patient }),
      actorOf(p),
    );
  }

  /** Evaluates the artifact against the test case and stores it byte for byte with its verdict; returns after COMMIT. */
  async submit(
    p: Principal,
    runId: string,
    testcaseId: string,
    artifact: Uint8Array,
    contentType: string,
    format: 'xml' | 'fhir',
  ): Promise<Submission> {
    const run = await this.operatedRun(p, runId);
    const tc = this.testcaseOfRun(run, testcaseId);
    if (tc.kind === 'live') {
      throw new SamsvarError(
        'unprocessable',
        `test case '${tc.id}' is a live test case: samsvar runs it against your FHIR API; POST /api/v1/runs/${run.id}/testcases/${tc.id}/live with its base URL`,
      );
    }
    // A receive test case is answered with an AppRec, which is XML whatever the tested profile is.
    const expected = tc.kind === 'receive' ? 'xml' : this.deps.catalog.require(tc.profile).manifest.kind;
    if (format !== expected) {
      const types = expected === 'xml' ? 'application/xml' : 'application/fhir+json or application/fhir+xml';
      throw new SamsvarError(
        'unsupported_media_type',
        `test case '${tc.id}' expects ${expected === 'xml' ? 'an XML message' : 'a FHIR resource (JSON or XML)'}; send it as ${types}, not ${contentType}`,
      );
    }
    const data = run.testData ?? undefined;
    let generated: EvaluationContext['generated'];
    if (tc.kind === 'receive') {
      const message = await this.deps.repo.runs.getGeneratedMessage(run.id, tc.id);
      if (!message) {
        throw new SamsvarError(
          'unprocessable',
          `test case '${tc.id}' is a receive test case: first fetch GET /api/v1/runs/${run.id}/testcases/${tc.id}/message, import it into your system, then submit the AppRec it answers with`,
        );
      }
      // samsvar's party sent the generated message to the system's party: the AppRec goes back.
      const parties = data?.systemParty ? { senderHerIds: [...SAMSVAR_HER_IDS], receiverHerIds: [data.systemParty.herId] } : undefined;
      generated = { msgId: message.msgId, ...(parties ? { parties } : {}) };
    }
    const receivedAt = (this.deps.now ?? (() => new Date()))().toISOString();
    const evaluation = await this.deps.testcases.evaluate(tc, artifact, { generated, ...(data ? { run: data } : {}), receivedAt });
    const unreadable = unreadableArtifactError(evaluation.validation);
    if (unreadable) throw unreadable;
    if (holdsRealPersonNumber(evaluation.validation.findings)) {
      // Data protection: a probable real person's number is never stored; the answer names where it is, not what it is.
      const where = evaluation.validation.findings
        .filter((f) => f.layer === 'privacy')
        .map(({ ruleId, severity, layer, message, line, column, xpath, path }) => ({
          ruleId,
          severity,
          layer,
          message,
          line,
          column,
          xpath,
          path,
        }));
      throw new SamsvarError(
        'unprocessable',
        "The artifact holds what looks like a real person's fødselsnummer or D-nummer (valid control digits, not a synthetic test number), so samsvar does not store it. Replace it with synthetic test data (month + 40 or + 80) and submit again",
        { findings: where },
      );
    }
    const { findings: _validationFindings, ...validation } = evaluation.validation;
    const sha256 = sha256Hex(artifact);
    const values = evidenceValues(sha256, evaluation.identity);
    const shipped = this.deps.shipped ? shippedFindings(sha256, evaluation.identity, this.deps.shipped()) : [];
    // Judge and claim in one go; a concurrent submission of the same evidence that claimed it first makes us judge again.
    for (let attempt = 0; ; attempt++) {
      const uses = await this.deps.repo.submissions.findEvidenceClaims(values);
      const replayed = replayFindings(evaluation.identity, uses, { runId: run.id, testcaseId: tc.id });
      const { verdict, findings } = withRefusals(evaluation.verdict, evaluation.findings, [...shipped, ...replayed]);
      const claimed = new Set(uses.map((u) => `${u.kind}\0${u.value}`));
      const claims = values.filter((v) => !claimed.has(`${v.kind}\0${v.value}`));
      try {
        return await this.deps.repo.submissions.createSubmission(
          { runId: run.id, testcaseId: tc.id, profileId: tc.profile, verdict, findings, validation, contentType, artifact },
          actorOf(p),
          claims,
        );
      } catch (e) {
        if (!(e instanceof EvidenceClaimTaken) || attempt >= 3) throw e;
      }
    }
  }

  /**
   * Runs a live test case against the vendor's FHIR API and stores the run's record (every request,
   * answer status and resource verdict, as JSON) with its findings and verdict, like a submission.
   */
  async runLive(
    p: Principal,
    runId: string,
    testcaseId: string,
    request: { baseUrl?: string; token?: string; parameters: Record<string, string> },
  ): Promise<Submission> {
    const run = await this.operatedRun(p, runId);
    const tc = this.testcaseOfRun(run, testcaseId);
    if (tc.kind !== 'live')
      throw new SamsvarError(
        'unprocessable',
        `test case '${tc.id}' is a ${tc.kind} test case; submit its artifact to POST /api/v1/runs/${run.id}/submissions?testcase=${tc.id}`,
      );
    const version = (await this.deps.repo.systems.getSystemVersion(run.systemVersionId))!;
    // Evidence comes from the system's own API: the one its vendor registered for the version, nowhere else.
    if (!version.fhirBaseUrl)
      throw new SamsvarError(
        'unprocessable',
        `system version ${version.version} has no FHIR base URL registered, so no live test can count for it: register its FHIR API (PUT /api/v1/systems/${version.systemId}/versions/${version.id}/fhir-base-url with fhirBaseUrl) first`,
        { field: 'baseUrl' },
      );
    if (request.baseUrl !== undefined && normalizeFhirBaseUrl(request.baseUrl, 'baseUrl') !== version.fhirBaseUrl)
      throw new SamsvarError(
        'unprocessable',
        `baseUrl ${request.baseUrl} is not the FHIR API registered for system version ${version.version} (${version.fhirBaseUrl}); live tests run against the system's own API only`,
        { field: 'baseUrl' },
      );
    // Registering a URL is no proof of controlling its server: until the vendor proved it, nothing is contacted.
    if (!verifiedFor(await this.deps.repo.systems.fhirEndpoint(version.fhirBaseUrl), version.vendorId))
      throw new SamsvarError('unprocessable', unverifiedServer(version), { field: 'fhirBaseUrl' });
    const result = await this.deps.testcases.runLive(tc, {
      baseUrl: version.fhirBaseUrl,
      token: request.token,
      parameters: request.parameters,
      system: { name: version.systemName, version: version.version },
    });
    const profile = this.deps.catalog.require(tc.profile);
    return this.deps.repo.submissions.createSubmission(
      {
        runId: run.id,
        testcaseId: tc.id,
        profileId: tc.profile,
        verdict: result.verdict,
        findings: result.findings,
        validation: {
          format: 'fhir',
          profile: tc.profile,
          profileVersion: profile.manifest.version,
          profileSha256: profile.sha256,
          live: {
            baseUrl: result.baseUrl,
            startedAt: result.startedAt,
            durationMs: result.durationMs,
            resourcesValidated: result.resourcesValidated,
          },
        },
        contentType: LIVE_RECORD_TYPE,
        artifact: Buffer.from(JSON.stringify(result, null, 2)),
      },
      actorOf(p),
    );
  }

  async getSubmission(p: Principal, runId: string, submissionId: string): Promise<Submission> {
    const run = await this.readableRun(p, runId);
    const sub = await this.deps.repo.submissions.getSubmission(submissionId);
    if (!sub || sub.runId !== run.id) throw notFound('submission', submissionId);
    return sub;
  }

  /** A run `p` may submit to: the vendor's own run, or the laboratory's own re-test run. */
  private async operatedRun(p: Principal, runId: string): Promise<Run> {
    const run = await this.deps.repo.runs.getRun(runId);
    if (!run || !canRead(p, run.vendorId)) throw notFound('run', runId);
    if (!isOperator(p, run)) {
      throw new SamsvarError(
        'forbidden',
        run.labTokenId
          ? `run ${runId} is a laboratory's re-test; only that laboratory submits to it`
          : `run ${runId} is the vendor's own; only the vendor submits to it`,
      );
    }
    return run;
  }

  private async readableRun(p: Principal, runId: string): Promise<Run> {
    const run = await this.deps.repo.runs.getRun(runId);
    if (!run || !canRead(p, run.vendorId)) throw notFound('run', runId);
    return run;
  }

  private testcaseOfRun(run: Run, testcaseId: string): Testcase {
    const tc = findTestcase(this.deps.testcases, testcaseId);
    if (!tc) throw notFound('test case', testcaseId);
    if (!run.profiles.some((rp) => rp.profileId === tc.profile)) {
      throw new SamsvarError('unprocessable', `test case '${tc.id}' belongs to profile '${tc.profile}', which run ${run.id} does not test`);
    }
    return tc;
  }

  /**
   * The passed latest live runs that ran against another FHIR API than the one now registered for
   * the version (it was moved since), or against a server whose control the vendor has not proved
   * (runs stored before the challenge existed), with why they no longer count: the evidence must be
   * the registered system's. Only those few records are read.
   */
  private async liveElsewhere(
    version: SystemVersion,
    submissions: SubmissionSummary[],
    serverVerified: boolean,
  ): Promise<Map<string, string>> {
    const latest = new Map<string, SubmissionSummary>();
    for (const s of submissions) latest.set(s.testcaseId, s);
    const result = new Map<string, string>();
    for (const s of latest.values()) {
      if (s.verdict !== 'passed' || s.contentType !== LIVE_RECORD_TYPE) continue;
      if (!serverVerified && version.fhirBaseUrl) {
        result.set(s.id, unverifiedServer(version));
        continue;
      }
      const full = await this.deps.repo.submissions.getSubmission(s.id);
      const ranAgainst = (full?.validation.live as { baseUrl?: unknown } | undefined)?.baseUrl;
      const same = typeof ranAgainst === 'string' && version.fhirBaseUrl !== null && sameBase(ranAgainst, version.fhirBaseUrl);
      if (!same)
        result.set(
          s.id,
          `it ran against ${typeof ranAgainst === 'string' ? ranAgainst : 'an unrecorded base URL'}, but the FHIR API registered for system version ${version.version} is ${version.fhirBaseUrl ?? 'none'}; run it again`,
        );
    }
    return result;
  }

  private async view(run: Run): Promise<RunView> {
    const [version, submissions, waivers] = await Promise.all([
      this.deps.repo.systems.getSystemVersion(run.systemVersionId),
      this.deps.repo.submissions.listSubmissions(run.id),
      this.deps.waivers ? this.deps.waivers.waiversOf(run.id) : Promise.resolve([]),
    ]);
    // Findings are read only when a waiver could change a verdict: most runs have none.
    const errorRuleIds = new Map<string, string[]>();
    if (waivers.length > 0) {
      const latest = new Map<string, SubmissionSummary>();
      for (const s of submissions) latest.set(s.testcaseId, s);
      for (const s of latest.values()) {
        if (s.verdict !== 'failed') continue;
        const full = await this.deps.repo.submissions.getSubmission(s.id);
        errorRuleIds.set(s.id, [...new Set((full?.findings ?? []).filter((f) => f.severity === 'error').map((f) => f.ruleId))]);
      }
    }
    const judging = { waivers, now: (this.deps.now ?? (() => new Date()))(), errorRuleIds: (id: string) => errorRuleIds.get(id) };
    const serverVerified =
      version!.fhirBaseUrl !== null && verifiedFor(await this.deps.repo.systems.fhirEndpoint(version!.fhirBaseUrl), version!.vendorId);
    const notCounted = await this.liveElsewhere(version!, submissions, serverVerified);
    const profiles = run.profiles.map((rp) =>
      profileStatus(
        rp,
        testcasesOf(this.deps.testcases, rp.profileId),
        submissions.filter((s) => s.profileId === rp.profileId),
        judging,
        notCounted,
      ),
    );
    const status = runState(profiles);
    return {
      id: run.id,
      systemVersionId: run.systemVersionId,
      system: {
        id: version!.systemId,
        name: version!.systemName,
        version: version!.version,
        fhirBaseUrl: version!.fhirBaseUrl,
        fhirServerVerified: serverVerified,
      },
      createdAt: run.createdAt,
      ...(run.labTokenId ? { labTokenId: run.labTokenId } : {}),
      status,
      profiles,
      testData: run.testData,
    };
  }
}
