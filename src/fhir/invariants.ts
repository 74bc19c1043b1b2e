/**
 * Invariants (ElementDefinition.constraint) evaluated with the fhirpath engine and the R4 model.
 * Each expression is compiled once per type context and reused for every resource.
 */
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4/index.js';

type Compiled = (data: unknown, env?: Record<string, unknown>) => unknown[];

export type InvariantOutcome = { status: 'pass' } | { status: 'fail' } | { status: 'error'; reason: string };

const compiled = new Map<string, Compiled | { error: string }>();

/**
 * Core R4 invariants (dom-3 among them) apply `as(type)` to collections, which strict FHIRPath
 * engines refuse; their intent is a type filter, so `as(` is read as `ofType(`.
 */
export function lenientExpression(expression: string): string {
  return expression.replace(/(^|[.(\s])as\(/g, '$1ofType(');
}

function compiledFor(basePath: string, expression: string): Compiled | { error: string } {
  const key = `${basePath}\u0000${expression}`;
  let c = compiled.get(key);
  if (!c) {
    try {
      c = fhirpath.compile({ base: basePath, expression: lenientExpression(expression) } as never, r4model as never, { traceFn: () => {} } as never) as unknown as Compiled;
    } catch (e) {
      c = { error: (e as Error).message.split('\n')[0] };
    }
    compiled.set(key, c);
  }
  return c;
}

/**
 * Evaluates one constraint on one element. `basePath` is the element's path in the definition
 * that introduced it (e.g. `Patient.identifier`, `Identifier`), which gives FHIRPath its types.
 * An empty result counts as satisfied: FHIRPath returns empty where it cannot decide (e.g. a
 * reference without `reference` in ref-1), and such an element breaks no rule.
 */
export function evaluateInvariant(basePath: string, expression: string, data: unknown, resource: unknown, rootResource: unknown): InvariantOutcome {
  const c = compiledFor(basePath.replace(/\[x\]/g, ''), expression);
  if ('error' in c) return { status: 'error', reason: c.error };
  let result: unknown[];
  try {
    result = c(data, { resource, rootResource, context: data });
  } catch (e) {
    return { status: 'error', reason: (e as Error).message.split('\n')[0] };
  }
  if (!Array.isArray(result) || result.length === 0) return { status: 'pass' };
  return result.every((r) => r === true || (typeof r === 'object' && r !== null && (r as { valueOf(): unknown }).valueOf() === true)) ? { status: 'pass' } : { status: 'fail' };
}
