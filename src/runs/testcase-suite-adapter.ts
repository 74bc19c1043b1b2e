import { SamsvarError } from '../core/samsvar-error.js';
import type { ArtifactValidator } from '../engine/engine.js';
import type { HostAllowlist } from '../live/host-allowlist.js';
import { runLiveTest } from '../live/live-runner.js';
import { checkServerChallenge } from '../live/server-challenge.js';
import { generateReceiveMessage, type Evaluation, type EvaluationContext, type Testcase } from '../testcases/index.js';
import type { TestcaseSuite } from './testcase-suite.js';

/** Evaluates submissions: the service's validation pool does it on a worker thread, next to the engine. */
export interface TestcaseEvaluator {
  evaluate(tc: Testcase, bytes: Uint8Array, ctx: EvaluationContext): Promise<Evaluation>;
}

export interface SuiteDeps {
  /** Evaluates submissions and validates the resources a live run fetches (the service's validation pool). */
  engine: TestcaseEvaluator & ArtifactValidator;
  /** The hosts live runs may reach (SAMSVAR_FHIR_ALLOWED_HOSTS); empty, the service runs no live test. */
  liveHosts: HostAllowlist;
}

/** The test case domain (src/testcases, src/live) behind the service's TestcaseSuite interface. */
export function testcaseSuite(testcases: Testcase[], deps: SuiteDeps): TestcaseSuite {
  let current = testcases;
  return {
    list: () => current,
    replaceProfileTestcases: (profileId, tcs) => {
      current = [...current.filter((tc) => tc.profile !== profileId), ...tcs];
    },
    evaluate: (tc, bytes, ctx) => deps.engine.evaluate(tc, bytes, ctx),
    generate: (tc, ctx) => generateReceiveMessage(tc, { runId: ctx.runId, receiver: ctx.receiver, runPatient: ctx.runPatient }),
    runLive: (tc, request) => {
      const base = urlOf(request.baseUrl);
      const refused = operatorRefusal(deps.liveHosts, base);
      if (refused)
        throw new SamsvarError(
          'forbidden',
          `refusing to test ${base.href}: ${refused}; ask the operator, or run \`samsvar fhir-test\` from your own machine`,
        );
      return runLiveTest(tc, { ...request, engine: deps.engine, allowHosts: deps.liveHosts });
    },
    checkServerChallenge: async (url, answer) => {
      // The operator's list decides what the service contacts; a server outside it cannot be verified (nor tested).
      const refused = operatorRefusal(deps.liveHosts, urlOf(url));
      if (refused) return { ok: false, kind: 'refused', reason: `samsvar does not fetch ${url}: ${refused}; ask the operator` };
      return checkServerChallenge(url, answer, { allowlist: deps.liveHosts, timeoutMs: CHALLENGE_TIMEOUT_MS });
    },
  };
}

/** As long as one request of a live run may take. */
const CHALLENGE_TIMEOUT_MS = 10_000;

function urlOf(raw: string): URL {
  try {
    return new URL(raw);
  } catch {
    throw new SamsvarError('bad_request', `'${raw}' is not a URL; give the FHIR base URL, e.g. https://fhir.example.no/r4`);
  }
}

/** Why the operator does not let the service reach a URL's host, or null. */
function operatorRefusal(liveHosts: HostAllowlist, url: URL): string | null {
  if (liveHosts.allows(url)) return null;
  return liveHosts.empty
    ? 'this service runs no live tests (SAMSVAR_FHIR_ALLOWED_HOSTS is empty)'
    : `SAMSVAR_FHIR_ALLOWED_HOSTS does not name ${url.host}`;
}
