/**
 * Codes that samsvar cannot judge from the definitions it holds (SNOMED CT, LOINC, ICD-10, Volven
 * and ValueSets built on them) are asked of a FHIR terminology server the deployment names
 * (SAMSVAR_TERMINOLOGY_URL), with `$validate-code` through fhir-kit-client. Answers are cached;
 * every call has a time limit. Without a server, or when it does not answer, the code is reported
 * as not checked: never as valid.
 */
import { Client, type FhirResource } from 'fhir-kit-client';

/** One code the walk could not decide locally. */
export interface TerminologyQuestion {
  /** `valueset`: is the code in the bound ValueSet? `codesystem`: does the code (and display) exist? */
  kind: 'valueset' | 'codesystem';
  /** The ValueSet (valueset) or the code system (codesystem). */
  url: string;
  system?: string;
  code: string;
  display?: string;
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

interface Parameters {
  resourceType: 'Parameters';
  parameter?: { name: string; valueBoolean?: boolean; valueString?: string }[];
}

export class TerminologyServer {
  private readonly client: Client;
  private readonly cache = new Map<string, Promise<TerminologyAnswer>>();
  /** Calls made to the server (for tests and diagnostics). */
  calls = 0;

  constructor(readonly options: TerminologyServerOptions) {
    this.client = new Client({ baseUrl: options.url, customHeaders: { accept: 'application/fhir+json' } });
  }

  validateCode(q: TerminologyQuestion): Promise<TerminologyAnswer> {
    const key = JSON.stringify([q.kind, q.url, q.system, q.code, q.display]);
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const answer = this.ask(q);
    this.cache.set(key, answer);
    if (this.cache.size > (this.options.cacheSize ?? 10_000)) this.cache.delete(this.cache.keys().next().value!);
    // A failed call is not remembered: the server may answer next time.
    void answer.then((a) => {
      if (!a.checked) this.cache.delete(key);
    });
    return answer;
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
      if (out.resourceType !== 'Parameters' || typeof result !== 'boolean') return { checked: false, reason: `the terminology server at ${this.options.url} gave no result` };
      return { checked: true, result, message: out.parameter?.find((p) => p.name === 'message')?.valueString };
    } catch (e) {
      const err = e as { name?: string; message?: string; response?: { status?: number } };
      const why = err.name === 'TimeoutError' || err.name === 'AbortError' ? `did not answer within ${this.options.timeoutMs} ms` : err.response?.status ? `answered HTTP ${err.response.status}` : `could not be reached (${err.message ?? String(e)})`;
      return { checked: false, reason: `the terminology server at ${this.options.url} ${why}` };
    }
  }
}
