import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import type { Finding } from '../core/finding.js';
import type { FhirPathAssertion } from './testcase.js';

type Compiled = (resource: unknown, env?: Record<string, unknown>) => unknown[];

// Test cases are few and evaluated often: compile each expression once.
const compiled = new Map<string, Compiled>();

/** Compiles a FHIRPath expression with the R4 model; throws on a syntax error. */
export function compileFhirPath(expression: string): Compiled {
  let fn = compiled.get(expression);
  if (!fn) {
    fn = fhirpath.compile(expression, r4) as unknown as Compiled;
    compiled.set(expression, fn);
  }
  return fn;
}

/** Holds when the result is non-empty and has no `false` in it. */
function holds(result: unknown[]): boolean {
  return result.length > 0 && !result.some((v) => v === false);
}

function rootType(resource: unknown): string {
  const t = (resource as { resourceType?: unknown } | null)?.resourceType;
  return typeof t === 'string' ? t : 'Resource';
}

/** Evaluates FHIRPath assertions against a parsed resource; a finding for each one that does not hold. */
export function evaluateFhirPathAssertions(resource: unknown, assertions: readonly FhirPathAssertion[]): Finding[] {
  const findings: Finding[] = [];
  for (const a of assertions) {
    let message: string | null = null;
    try {
      if (!holds(compileFhirPath(a.fhirpath)(resource))) message = a.message;
    } catch (e) {
      message = `${a.message} (test case error: the expression could not be evaluated: ${(e as Error).message})`;
    }
    if (message === null) continue;
    findings.push({
      ruleId: a.id,
      severity: a.severity ?? 'error',
      layer: 'testcase',
      message,
      path: a.path ?? rootType(resource),
      ...(a.reference ? { reference: a.reference } : {}),
    });
  }
  return findings;
}
