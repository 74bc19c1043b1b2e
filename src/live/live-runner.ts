import type { FhirResource } from 'fhir-kit-client';
import type { Finding } from '../core/finding.js';
import { ruleFinding, type FindingDetails, type RuleId } from '../core/rule-catalogue.js';
import { SamsvarError } from '../core/samsvar-error.js';
import type { Engine } from '../engine/engine.js';
import { checkCapabilities, checkIdentity } from './capability-check.js';
import type { Resolver } from './guarded-dispatcher.js';
import { HostAllowlist } from './host-allowlist.js';
import { LiveHttp, type Exchange, type FetchOutcome } from './live-http.js';
import type { LiveTestcase } from '../testcases/testcase.js';
import { resolveSteps, type ResolvedStep } from './resolve-steps.js';
import { verdictOf, type Verdict } from '../core/verdict.js';

export interface LiveRunOptions {
  /** The vendor's FHIR base URL, e.g. https://fhir.vendor.no/r4. */
  baseUrl: string;
  /** Bearer token sent to the base URL's origin only. */
  token?: string;
  /** Values for the test case's declared parameters. */
  parameters: Record<string, string>;
  engine: Pick<Engine, 'validate' | 'catalog'>;
  /** Hosts that may be contacted; a string is parsed as SAMSVAR_FHIR_ALLOWED_HOSTS is. */
  allowHosts: HostAllowlist | string;
  /** Limit for each HTTP call, redirects included (default 10 s). */
  timeoutMs?: number;
  /** Limit for the whole run (default 60 s); steps left when it passes are failed, not run. */
  totalTimeoutMs?: number;
  /** Resources validated over the whole run (default 50); further ones are counted, not validated. */
  maxResources?: number;
  /** Size limit of one response body (default 4 MiB). */
  maxResponseBytes?: number;
  /** Search result pages fetched per search step (default 5). */
  maxPages?: number;
  /** DNS resolution; tests substitute their own. */
  resolver?: Resolver;
  /** The registered system the API should say it is; given, the CapabilityStatement is read and checked for it. */
  system?: { name: string; version: string };
}

/** A finding of a live run: the common shape plus where in the run it arose. */
export type LiveFinding = Finding & { step: number; resource?: string };

export interface ResourceResult {
  /** Type/id as returned (or Type/#n when the server gave no id). */
  reference: string;
  profile: string;
  valid: boolean;
  /** The engine's findings; their `path` is a FHIRPath into this resource. */
  findings: Finding[];
}

export interface StepResult {
  /** 0 is the CapabilityStatement check, test case steps count from 1. */
  index: number;
  kind: 'capabilities' | 'read' | 'search';
  title: string;
  outcome: Verdict;
  exchanges: Exchange[];
  resources: ResourceResult[];
  /** Resources returned beyond the run's cap, not validated. */
  notValidated: number;
  findings: LiveFinding[];
}

export interface LiveTestResult {
  testcase: { id: string; title: string; profile: string };
  baseUrl: string;
  verdict: Verdict;
  startedAt: string;
  durationMs: number;
  resourcesValidated: number;
  steps: StepResult[];
  /** Every finding of every step, in step order. */
  findings: LiveFinding[];
}

/** A finding of a live rule, with the catalogue's severity and clause unless `details` says otherwise. */
function testcaseFinding(ruleId: Extract<RuleId, `LIVE-${string}`>, message: string, details: FindingDetails = {}): Finding {
  return ruleFinding(ruleId, message, details);
}

/** A FHIR server answers application/fhir+json; plain JSON media types still parse, so they only warn. */
function contentTypeFindings(exchange: Exchange): Finding[] {
  const type = exchange.contentType?.split(';')[0]!.trim().toLowerCase();
  if (type === 'application/fhir+json') return [];
  if (type && /json/.test(type)) {
    return [
      testcaseFinding('LIVE-CONTENT-TYPE', `${exchange.url} answered with Content-Type ${type}; FHIR R4 uses application/fhir+json`, {
        severity: 'warning',
      }),
    ];
  }
  return [
    testcaseFinding(
      'LIVE-CONTENT-TYPE',
      `${exchange.url} answered with Content-Type ${type ?? '(none)'}; a FHIR JSON response must be application/fhir+json`,
    ),
  ];
}

const MAX_JSON_DEPTH = 200;

/** Iterative, so that a hostile nesting depth cannot exhaust the stack while it is being measured. */
function deeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (!v || typeof v !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(v)) if (child && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

function isResource(body: unknown): body is FhirResource {
  return (
    !!body && typeof body === 'object' && !Array.isArray(body) && typeof (body as { resourceType?: unknown }).resourceType === 'string'
  );
}

class Run {
  readonly steps: StepResult[] = [];
  validated = 0;
  private readonly deadline: number;

  constructor(
    private readonly http: LiveHttp,
    private readonly opts: Required<Pick<LiveRunOptions, 'timeoutMs' | 'maxResources' | 'maxPages' | 'totalTimeoutMs'>> &
      Pick<LiveRunOptions, 'engine'>,
  ) {
    this.deadline = Date.now() + opts.totalTimeoutMs;
  }

  private newStep(index: number, kind: StepResult['kind'], title: string): StepResult {
    const step: StepResult = { index, kind, title, outcome: 'passed', exchanges: [], resources: [], notValidated: 0, findings: [] };
    this.steps.push(step);
    return step;
  }

  private add(step: StepResult, findings: Finding[], resource?: string): void {
    for (const f of findings) step.findings.push({ ...f, step: step.index, ...(resource ? { resource } : {}) });
  }

  /** Fetches and records the exchange; returns the resource, or null after recording why there is none. */
  private async fetch(step: StepResult, request: Parameters<LiveHttp['get']>[0]): Promise<FhirResource | null> {
    if (Date.now() >= this.deadline) {
      this.add(step, [
        testcaseFinding('LIVE-DEADLINE', `The run's time limit of ${this.opts.totalTimeoutMs} ms passed before this request`),
      ]);
      return null;
    }
    const outcome: FetchOutcome = await this.http.get(request, Math.min(this.opts.timeoutMs, this.deadline - Date.now()));
    step.exchanges.push(outcome.exchange);
    if (!outcome.ok) {
      this.add(step, [outcome.finding]);
      return null;
    }
    this.add(step, contentTypeFindings(outcome.exchange));
    if (!isResource(outcome.body)) {
      this.add(step, [
        testcaseFinding('LIVE-NOT-RESOURCE', `${outcome.exchange.url} answered JSON without a resourceType, so not a FHIR resource`),
      ]);
      return null;
    }
    return outcome.body;
  }

  async capabilities(requirement: LiveTestcase['capability'], identity?: { system: { name: string; version: string }; baseUrl: string }) {
    const step = this.newStep(0, 'capabilities', 'CapabilityStatement (GET [base]/metadata)');
    const statement = await this.fetch(step, { kind: 'capabilities' });
    if (!statement) return;
    if (requirement) this.add(step, checkCapabilities(statement, requirement));
    if (identity) this.add(step, checkIdentity(statement, identity.system, identity.baseUrl));
  }

  /** Validates with the engine unless the cap is reached; the engine's own failures become findings. */
  private async validate(step: StepResult, resource: FhirResource, position: number, profile: string): Promise<void> {
    const reference = `${resource.resourceType}/${typeof resource.id === 'string' ? resource.id : `#${position}`}`;
    if (this.validated >= this.opts.maxResources) {
      step.notValidated++;
      return;
    }
    this.validated++;
    let findings: Finding[];
    if (deeperThan(resource, MAX_JSON_DEPTH)) {
      findings = [
        testcaseFinding(
          'LIVE-TOO-DEEP',
          `The resource is nested more than ${MAX_JSON_DEPTH} levels deep; no FHIR resource needs that, so it is not validated`,
        ),
      ];
      step.resources.push({ reference, profile, valid: false, findings });
      this.add(step, findings, reference);
      return;
    }
    try {
      const result = await this.opts.engine.validate(Buffer.from(JSON.stringify(resource, null, 2)), { format: 'fhir', profile });
      // Line and column would point into our re-serialisation, not the server's bytes; the FHIRPath locates the element.
      findings = result.findings.map(({ line: _l, column: _c, ...f }) => f);
    } catch (e) {
      const why = e instanceof SamsvarError ? e.detail : (e as Error).message;
      findings = [testcaseFinding('LIVE-VALIDATION-FAILED', `The resource could not be validated against ${profile}: ${why}`)];
    }
    step.resources.push({ reference, profile, valid: !findings.some((f) => f.severity === 'error'), findings });
    this.add(step, findings, reference);
  }

  async read(index: number, s: Extract<ResolvedStep, { kind: 'read' }>): Promise<void> {
    const step = this.newStep(index, 'read', s.title);
    const resource = await this.fetch(step, { kind: 'read', type: s.type, id: s.id });
    if (!resource) return;
    if (resource.resourceType !== s.type) {
      this.add(step, [
        testcaseFinding('LIVE-READ-TYPE', `GET ${s.type}/${s.id} returned a ${resource.resourceType}, not a ${s.type}`, {
          path: 'resourceType',
        }),
      ]);
      return;
    }
    if (resource.id !== s.id) {
      this.add(step, [
        testcaseFinding(
          'LIVE-READ-ID',
          `GET ${s.type}/${s.id} returned a resource with id ${JSON.stringify(resource.id ?? null)}; a read returns the resource with the requested id`,
          { path: `${s.type}.id` },
        ),
      ]);
    }
    await this.validate(step, resource, 0, s.profile);
  }

  async search(index: number, s: Extract<ResolvedStep, { kind: 'search' }>): Promise<void> {
    const step = this.newStep(index, 'search', s.title);
    let matches = 0;
    let request: Parameters<LiveHttp['get']>[0] = { kind: 'search', type: s.type, params: s.params };
    for (let page = 0; page < this.opts.maxPages; page++) {
      const bundle = await this.fetch(step, request);
      if (!bundle) return;
      const b = bundle as { resourceType: string; type?: unknown; entry?: unknown; link?: unknown };
      if (b.resourceType !== 'Bundle' || b.type !== 'searchset') {
        const got = b.resourceType === 'Bundle' ? `a Bundle of type ${JSON.stringify(b.type ?? null)}` : `a ${b.resourceType}`;
        this.add(step, [
          testcaseFinding('LIVE-SEARCH-BUNDLE', `A search must return a Bundle of type searchset, but returned ${got}`, {
            path: 'Bundle.type',
          }),
        ]);
        return;
      }
      const entries = Array.isArray(b.entry) ? (b.entry as Array<{ resource?: unknown; search?: { mode?: unknown } }>) : [];
      for (const [i, entry] of entries.entries()) {
        const mode = entry?.search?.mode ?? 'match';
        if (mode !== 'match') continue;
        if (!isResource(entry.resource)) {
          this.add(step, [
            testcaseFinding('LIVE-SEARCH-ENTRY', `Bundle.entry[${i}] is a match without a resource`, { path: `Bundle.entry[${i}]` }),
          ]);
          continue;
        }
        matches++;
        if (entry.resource.resourceType !== s.type) {
          this.add(step, [
            testcaseFinding(
              'LIVE-SEARCH-TYPE',
              `Bundle.entry[${i}] is a match of type ${entry.resource.resourceType}; a search on ${s.type} matches only ${s.type} resources (others belong in mode "include")`,
              { path: `Bundle.entry[${i}].resource` },
            ),
          ]);
          continue;
        }
        await this.validate(step, entry.resource, matches - 1, s.profile);
      }
      const links = Array.isArray(b.link) ? (b.link as Array<{ relation?: unknown; url?: unknown }>) : [];
      const next = links.find((l) => l?.relation === 'next' && typeof l.url === 'string');
      if (!next || this.validated >= this.opts.maxResources || (s.maxResults !== undefined && matches > s.maxResults)) break;
      let nextUrl: URL;
      try {
        nextUrl = new URL(next.url as string, step.exchanges.at(-1)!.url);
      } catch {
        this.add(step, [
          testcaseFinding('LIVE-SEARCH-PAGING', `The next link '${String(next.url)}' is not a URL`, { path: 'Bundle.link' }),
        ]);
        break;
      }
      request = { kind: 'url', url: nextUrl };
    }
    if (matches < s.minResults) {
      this.add(step, [
        testcaseFinding(
          'LIVE-SEARCH-COUNT',
          `The search found ${matches} ${s.type} resource(s); this test expects at least ${s.minResults}. Check that the test data the test description asks for exists.`,
        ),
      ]);
    }
    if (s.maxResults !== undefined && matches > s.maxResults) {
      this.add(step, [
        testcaseFinding(
          'LIVE-SEARCH-COUNT',
          `The search found more than ${s.maxResults} ${s.type} resource(s) (${matches} seen); this test expects at most ${s.maxResults}`,
        ),
      ]);
    }
    if (step.notValidated > 0) {
      this.add(step, [
        testcaseFinding(
          'LIVE-CAP-REACHED',
          `${step.notValidated} resource(s) were not validated: the run validates at most ${this.opts.maxResources}`,
        ),
      ]);
    }
  }
}

/**
 * Runs a live test case against a vendor's FHIR API: the CapabilityStatement check, then each read
 * and search, validating every returned resource of the step's type against the profile. A failed
 * step does not stop the run, so the vendor sees everything that is wrong at once.
 */
export async function runLiveTest(testcase: LiveTestcase, opts: LiveRunOptions): Promise<LiveTestResult> {
  const started = Date.now();
  const steps = resolveSteps(testcase, opts.parameters);
  for (const profile of new Set([testcase.profile, ...steps.map((s) => s.profile)])) {
    const loaded = opts.engine.catalog.require(profile);
    if (loaded.manifest.kind !== 'fhir')
      throw new SamsvarError(
        'unprocessable',
        `profile ${profile} is an ${loaded.manifest.kind.toUpperCase()} profile; live tests validate FHIR resources`,
      );
  }
  let baseUrl: URL;
  try {
    baseUrl = new URL(opts.baseUrl);
  } catch {
    throw new SamsvarError('bad_request', `'${opts.baseUrl}' is not a URL; give the FHIR base URL, e.g. https://fhir.example.no/r4`);
  }
  if (baseUrl.search || baseUrl.hash) throw new SamsvarError('bad_request', 'the FHIR base URL must not have a query or fragment');
  const allowlist = typeof opts.allowHosts === 'string' ? HostAllowlist.parse(opts.allowHosts) : opts.allowHosts;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const http = new LiveHttp({
    baseUrl,
    token: opts.token,
    allowlist,
    timeoutMs,
    maxResponseBytes: opts.maxResponseBytes ?? 4 * 1024 * 1024,
    resolver: opts.resolver,
  });
  await http.preflight();
  const run = new Run(http, {
    engine: opts.engine,
    timeoutMs,
    totalTimeoutMs: opts.totalTimeoutMs ?? 60_000,
    maxResources: opts.maxResources ?? 50,
    maxPages: opts.maxPages ?? 5,
  });
  try {
    if (testcase.capability || opts.system)
      await run.capabilities(testcase.capability, opts.system && { system: opts.system, baseUrl: baseUrl.href });
    for (const [i, step] of steps.entries()) {
      if (step.kind === 'read') await run.read(i + 1, step);
      else await run.search(i + 1, step);
    }
  } finally {
    await http.close();
  }
  for (const step of run.steps) step.outcome = verdictOf(step.findings);
  const findings = run.steps.flatMap((s) => s.findings);
  return {
    testcase: { id: testcase.id, title: testcase.title, profile: testcase.profile },
    baseUrl: baseUrl.href,
    verdict: run.steps.every((s) => s.outcome === 'passed') ? 'passed' : 'failed',
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    resourcesValidated: run.validated,
    steps: run.steps,
    findings,
  };
}
