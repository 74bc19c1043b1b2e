import { SamsvarError } from '../core/samsvar-error.js';
import { LIVE_PLACEHOLDER } from '../testcases/live-steps.js';
import type { LiveTestcase } from '../testcases/testcase.js';

/** A step with its placeholders filled in. */
export type ResolvedStep =
  | { kind: 'read'; type: string; id: string; profile: string; title: string }
  | {
      kind: 'search';
      type: string;
      params: Record<string, string | string[]>;
      profile: string;
      title: string;
      minResults: number;
      maxResults?: number;
    };

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const MAX_VALUE_LENGTH = 256;

/**
 * Fills the placeholders with the vendor's values. Every declared parameter must be given and no
 * other: a misspelt name should fail loudly, not silently search for "{{fnr}}".
 */
export function resolveSteps(tc: LiveTestcase, parameters: Record<string, string>): ResolvedStep[] {
  const declared = new Map((tc.parameters ?? []).map((p) => [p.name, p]));
  const unknown = Object.keys(parameters).filter((k) => !declared.has(k));
  if (unknown.length)
    throw new SamsvarError(
      'bad_request',
      `test case ${tc.id} has no parameter ${unknown.join(', ')}; it takes: ${[...declared.keys()].join(', ') || 'none'}`,
    );
  const missing = [...declared.values()].filter((p) => parameters[p.name] === undefined);
  if (missing.length) {
    const list = missing.map((p) => `${p.name} (${p.description}${p.example ? `, e.g. ${p.example}` : ''})`).join('; ');
    throw new SamsvarError('bad_request', `test case ${tc.id} needs parameter ${list}`);
  }
  for (const [name, value] of Object.entries(parameters)) {
    const p = declared.get(name)!;
    // Control characters have no place in an id or a search value and would only confuse the log.
    if (value.length === 0 || value.length > MAX_VALUE_LENGTH || /[\u0000-\u001f\u007f]/.test(value)) {
      throw new SamsvarError('bad_request', `parameter ${name} must be 1-${MAX_VALUE_LENGTH} characters without control characters`);
    }
    if (p.pattern && !new RegExp(`^(?:${p.pattern})$`, 'u').test(value)) {
      throw new SamsvarError('bad_request', `parameter ${name} '${value}' does not match ${p.pattern} (${p.description})`);
    }
  }
  const fill = (s: string) => s.replace(LIVE_PLACEHOLDER, (_, name: string) => parameters[name]!);
  return tc.steps.map((step, i): ResolvedStep => {
    if ('read' in step) {
      const id = fill(step.read.id);
      if (!FHIR_ID.test(id) || /^\.+$/.test(id)) {
        throw new SamsvarError('bad_request', `step ${i + 1}: '${id}' is not a FHIR resource id (1-64 of A-Z a-z 0-9 - .)`);
      }
      return {
        kind: 'read',
        type: step.read.type,
        id,
        profile: step.read.profile ?? tc.profile,
        title: step.read.title ?? `read ${step.read.type}/${id}`,
      };
    }
    const params: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(step.search.params)) params[k] = Array.isArray(v) ? v.map(fill) : fill(v);
    const query = Object.entries(params)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(`&${k}=`) : v}`)
      .join('&');
    return {
      kind: 'search',
      type: step.search.type,
      params,
      profile: step.search.profile ?? tc.profile,
      title: step.search.title ?? `search ${step.search.type}?${query}`,
      minResults: step.search.expect?.minResults ?? 1,
      maxResults: step.search.expect?.maxResults,
    };
  });
}
