/**
 * Codes that samsvar cannot judge from the definitions it holds (SNOMED CT, LOINC, ICD-10, Volven
 * and ValueSets built on them) are asked of a FHIR terminology server the deployment names
 * (SAMSVAR_TERMINOLOGY_URL), with `$validate-code` and, for bound ValueSets samsvar does not hold,
 * `$expand`, through fhir-kit-client. Answers and expansions are cached;
 * every call has a time limit. Without a server, or when it does not answer, the code is reported
 * as not checked: never as valid.
 */
import { Client, type FhirResource } from 'fhir-kit-client';

/** One code the walk could not decide locally. */
export interface TerminologyQuestion {
  /**
   * `valueset`: is the code in the bound ValueSet? `codesystem`: does the code (and display) exist?
   * `expansion`: is one of `anyOf` in a bound ValueSet that is not loaded (the server expands it)?
   */
  kind: 'valueset' | 'codesystem' | 'expansion';
  /** The ValueSet (valueset) or the code system (codesystem). */
  url: string;
  system?: string;
  code: string;
  display?: string;
  /** For `expansion`: the codings of the element; one of them in the ValueSet is enough. */
  anyOf?: { system?: string; code: string }[];
  /** For a binding: how strongly the element is bound. */
  strength?: 'required' | 'extensible' | 'preferred';
  path: string;
  line?: number;
  column?: number;
}

export type TerminologyAnswer = { checked: true; result: boolean; message?: string } | { checked: false; reason: string };

export interface TerminologyServerOptions {
  url: string;
  /** Per call, the request and its answer included. */
  timeoutMs: number;
  /** Answers kept (least recently asked dropped first). */
  cacheSize?: number;
}

/** Codes asked for per `$expand`; a ValueSet with more is judged code by code with `$validate-code`. */
export const EXPAND_COUNT = 1000;
/** Expansions kept (least recently used dropped first). */
const EXPANSION_CACHE = 200;

/** A ValueSet as `$expand` answers: its codes, or `tooLarge` when the server holds more than samsvar asked for. */
type ExpansionAnswer =
  { checked: true; codes: Set<string>; bare: Set<string>; tooLarge: boolean } | { checked: false; reason: string; fallback?: boolean };

interface ExpandedValueSet {
  resourceType: 'ValueSet';
  expansion?: { total?: number; contains?: ExpansionEntry[]; parameter?: { name: string; valueBoolean?: boolean }[] };
}
interface ExpansionEntry {
  system?: string;
  code?: string;
  abstract?: boolean;
  contains?: ExpansionEntry[];
}

/** LRU: a hit moves to the end; past `size` the oldest goes. A failed answer is not remembered (the server may answer next time). */
function cached<T extends { checked: boolean }>(
  cache: Map<string, Promise<T>>,
  key: string,
  size: number,
  make: () => Promise<T>,
): Promise<T> {
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const answer = make();
  cache.set(key, answer);
  if (cache.size > size) cache.delete(cache.keys().next().value!);
  void answer.then((a) => {
    if (!a.checked) cache.delete(key);
  });
  return answer;
}

interface Parameters {
  resourceType: 'Parameters';
  parameter?: { name: string; valueBoolean?: boolean; valueString?: string }[];
}

export class TerminologyServer {
  private readonly client: Client;
  private readonly cache = new Map<string, Promise<TerminologyAnswer>>();
  private readonly expansions = new Map<string, Promise<ExpansionAnswer>>();
  /** Calls made to the server (for tests and diagnostics). */
  calls = 0;

  constructor(readonly options: TerminologyServerOptions) {
    this.client = new Client({ baseUrl: options.url, customHeaders: { accept: 'application/fhir+json' } });
  }

  validateCode(q: TerminologyQuestion): Promise<TerminologyAnswer> {
    const key = JSON.stringify([q.kind, q.url, q.system, q.code, q.display]);
    return cached(this.cache, key, this.options.cacheSize ?? 10_000, () => this.ask(q));
  }

  /**
   * Is one of the question's codings in a ValueSet samsvar does not hold? The server expands it
   * once (`$expand`, cached); a ValueSet larger than samsvar asks for (SNOMED CT subsets, say), or
   * one the server will not expand, is judged code by code with `$validate-code` instead.
   */
  async inValueSet(q: TerminologyQuestion): Promise<TerminologyAnswer> {
    const codings = q.anyOf ?? [{ system: q.system, code: q.code }];
    const exp = await cached(this.expansions, q.url, EXPANSION_CACHE, () => this.expand(q.url));
    if (exp.checked && !exp.tooLarge) {
      const found = codings.some((c) => (c.system ? exp.codes.has(`${c.system}|${c.code}`) : exp.bare.has(c.code)));
      if (found) return { checked: true, result: true };
      const shown = codings.map((c) => (c.system ? `${c.system}|${c.code}` : c.code)).join(', ');
      return {
        checked: true,
        result: false,
        message: `${shown} ${codings.length > 1 ? 'are' : 'is'} not among the ${exp.codes.size} codes of its expansion`,
      };
    }
    if (!exp.checked && !exp.fallback) return exp;
    let last: TerminologyAnswer | undefined;
    for (const c of codings) {
      last = await this.validateCode({ ...q, kind: 'valueset', system: c.system, code: c.code, anyOf: undefined });
      if (!last.checked || last.result) return last;
    }
    return last!;
  }

  private async expand(url: string): Promise<ExpansionAnswer> {
    this.calls++;
    try {
      const out = (await this.client.operation({
        name: 'expand',
        resourceType: 'ValueSet',
        method: 'GET',
        input: { url, count: String(EXPAND_COUNT) },
        options: { signal: AbortSignal.timeout(this.options.timeoutMs) },
      })) as FhirResource as ExpandedValueSet;
      if (out.resourceType !== 'ValueSet' || !out.expansion)
        return { checked: false, reason: `the terminology server at ${this.options.url} gave no expansion of ${url}`, fallback: true };
      const codes = new Set<string>();
      const bare = new Set<string>();
      const stack = [...(out.expansion.contains ?? [])];
      let entries = 0;
      while (stack.length) {
        const e = stack.pop()!;
        entries++;
        if (e.code && !e.abstract) {
          codes.add(`${e.system ?? ''}|${e.code}`);
          bare.add(e.code);
        }
        if (e.contains) for (const child of e.contains) stack.push(child);
      }
      const limited = out.expansion.parameter?.some((p) => p.name === 'limitedExpansion' && p.valueBoolean === true) ?? false;
      const total = out.expansion.total;
      const tooLarge = limited || (typeof total === 'number' ? total > entries : entries >= EXPAND_COUNT);
      return { checked: true, codes, bare, tooLarge };
    } catch (e) {
      const err = e as { name?: string; message?: string; response?: { status?: number } };
      // A server that answers but will not expand (too costly, unknown parameter) may still validate codes one by one.
      if (err.response?.status)
        return {
          checked: false,
          reason: `the terminology server at ${this.options.url} answered HTTP ${err.response.status} to $expand`,
          fallback: true,
        };
      const why =
        err.name === 'TimeoutError' || err.name === 'AbortError'
          ? `did not answer within ${this.options.timeoutMs} ms`
          : `could not be reached (${err.message ?? String(e)})`;
      return { checked: false, reason: `the terminology server at ${this.options.url} ${why}` };
    }
  }

  private async ask(q: TerminologyQuestion): Promise<TerminologyAnswer> {
    this.calls++;
    const input: Record<string, string> =
      q.kind === 'valueset' ? { url: q.url, code: q.code, ...(q.system ? { system: q.system } : {}) } : { url: q.url, code: q.code };
    if (q.display) input.display = q.display;
    try {
      const out = (await this.client.operation({
        name: 'validate-code',
        resourceType: q.kind === 'valueset' ? 'ValueSet' : 'CodeSystem',
        method: 'GET',
        input,
        options: { signal: AbortSignal.timeout(this.options.timeoutMs) },
      })) as FhirResource as Parameters;
      const result = out.parameter?.find((p) => p.name === 'result')?.valueBoolean;
      if (out.resourceType !== 'Parameters' || typeof result !== 'boolean')
        return { checked: false, reason: `the terminology server at ${this.options.url} gave no result` };
      return { checked: true, result, message: out.parameter?.find((p) => p.name === 'message')?.valueString };
    } catch (e) {
      const err = e as { name?: string; message?: string; response?: { status?: number } };
      const why =
        err.name === 'TimeoutError' || err.name === 'AbortError'
          ? `did not answer within ${this.options.timeoutMs} ms`
          : err.response?.status
            ? `answered HTTP ${err.response.status}`
            : `could not be reached (${err.message ?? String(e)})`;
      return { checked: false, reason: `the terminology server at ${this.options.url} ${why}` };
    }
  }
}
