import { Client, type FhirResource } from 'fhir-kit-client';
import type { Dispatcher } from 'undici';
import type { Finding } from '../core/finding.js';
import { ruleFinding, type RuleId } from '../core/rule-catalogue.js';
import { SamsvarError } from '../core/samsvar-error.js';
import { ENCODED_BODY_REFUSED, guardedDispatcher, HOST_REFUSED, systemResolver, type Resolver } from './guarded-dispatcher.js';
import { HostAllowlist, normalizedHost } from './host-allowlist.js';
import { internalAddressKind } from './internal-address.js';
import { isIP } from 'node:net';

export interface LiveHttpOptions {
  baseUrl: URL;
  token?: string;
  allowlist: HostAllowlist;
  /** Limit for one logical call, redirects included: connect, headers and body. */
  timeoutMs: number;
  maxResponseBytes: number;
  resolver?: Resolver;
}

/** One HTTP exchange as the report shows it. */
export interface Exchange {
  method: 'GET';
  url: string;
  status?: number;
  contentType?: string;
  durationMs: number;
  /** URLs that answered with a redirect before `url`, in order. */
  redirects?: string[];
}

export type FetchOutcome = { ok: true; exchange: Exchange; body: FhirResource } | { ok: false; exchange: Exchange; finding: Finding };

/** What to fetch: fhir-kit-client builds the URL of a read or search from the base URL. */
export type LiveRequest =
  | { kind: 'capabilities' }
  | { kind: 'read'; type: string; id: string }
  | { kind: 'search'; type: string; params: Record<string, string | string[]> }
  | { kind: 'url'; url: URL };

const MAX_REDIRECTS = 5;
function liveFinding(ruleId: Extract<RuleId, `LIVE-${string}`>, message: string): Finding {
  return ruleFinding(ruleId, message);
}

/** Why a URL may not be contacted, or null. The same check guards the base URL, redirects and paging links. */
export function refusalReason(url: URL, allowlist: HostAllowlist): string | null {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `${url.protocol} URLs are not fetched; use http or https`;
  if (url.username || url.password) return 'URLs with user name or password are not fetched; pass a token instead';
  if (!allowlist.allows(url)) return `host ${url.host} is not in the allowlist (${allowlist.toString()})`;
  const host = normalizedHost(url);
  if (isIP(host) && !allowlist.namesExactly(url)) {
    const kind = internalAddressKind(host);
    if (kind) return `${host} is a ${kind} address; only hosts named exactly in the allowlist may use internal addresses`;
  }
  return null;
}

/** Why a redirect from `from` to `to` is not followed, or null; `hops` counts the redirects followed so far. */
export function redirectRefusal(from: URL, to: URL, hops: number, allowlist: HostAllowlist): string | null {
  return (
    refusalReason(to, allowlist) ??
    (from.protocol === 'https:' && to.protocol === 'http:' ? 'the redirect downgrades https to http' : null) ??
    (hops >= MAX_REDIRECTS ? `more than ${MAX_REDIRECTS} redirects` : null)
  );
}

/**
 * HTTP for one live test run, through fhir-kit-client: every origin gets a dispatcher that checks
 * the addresses it connects to, redirects are followed by hand so each hop is checked against the
 * allowlist, and the bearer token only goes to the base URL's origin.
 */
export class LiveHttp {
  private readonly clients = new Map<string, { client: Client; dispatcher: Dispatcher }>();

  constructor(private readonly opts: LiveHttpOptions) {
    const why = refusalReason(opts.baseUrl, opts.allowlist);
    if (why) throw new SamsvarError('forbidden', `refusing to test ${opts.baseUrl.href}: ${why}`);
    if (opts.token !== undefined && !/^[\x21-\x7e]{1,4096}$/.test(opts.token)) {
      throw new SamsvarError('bad_request', 'the bearer token must be 1-4096 visible ASCII characters');
    }
  }

  /**
   * Refuses up front when the base URL's name resolves to an internal address, so such a request
   * is answered as refused rather than as a failed test. The connection-time check stays: the name
   * could resolve differently a moment later.
   */
  async preflight(): Promise<void> {
    const url = this.opts.baseUrl;
    const host = normalizedHost(url);
    if (isIP(host) || this.opts.allowlist.namesExactly(url)) return;
    let addresses: Array<{ address: string }>;
    let timer: NodeJS.Timeout | undefined;
    try {
      const slow = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('DNS timeout')), this.opts.timeoutMs);
      });
      addresses = await Promise.race([(this.opts.resolver ?? systemResolver)(host), slow]);
    } catch {
      return; // An unresolvable or slow name is the vendor's failure to see in the steps, not a refusal.
    } finally {
      clearTimeout(timer);
    }
    for (const a of addresses) {
      const kind = internalAddressKind(a.address);
      if (kind)
        throw new SamsvarError(
          'forbidden',
          `refusing to test ${url.href}: ${host} resolves to ${a.address} (${kind}); only hosts named exactly in the allowlist may use internal addresses`,
        );
    }
  }

  private clientFor(url: URL): Client {
    const origin = url.origin;
    let entry = this.clients.get(origin);
    if (!entry) {
      const dispatcher = guardedDispatcher({
        permitInternal: this.opts.allowlist.namesExactly(url),
        connectTimeoutMs: this.opts.timeoutMs,
        maxResponseBytes: this.opts.maxResponseBytes,
        resolver: this.opts.resolver,
      });
      const sameOrigin = origin === this.opts.baseUrl.origin;
      const client = new Client({
        baseUrl: sameOrigin ? this.opts.baseUrl.href : origin,
        bearerToken: sameOrigin ? this.opts.token : undefined,
        customHeaders: { 'accept-encoding': 'identity' },
        requestOptions: { dispatcher, redirect: 'manual' },
      });
      entry = { client, dispatcher };
      this.clients.set(origin, entry);
    }
    return entry.client;
  }

  /** One logical GET, redirects included, within `timeoutMs` (default: the client's limit). */
  async get(request: LiveRequest, timeoutMs = this.opts.timeoutMs): Promise<FetchOutcome> {
    const started = performance.now();
    const signal = AbortSignal.timeout(Math.max(1, timeoutMs));
    const options = { signal };
    const redirects: string[] = [];
    let url = this.expectedUrl(request);
    const exchange = (extra: Partial<Exchange>): Exchange => ({
      method: 'GET',
      url: url.href,
      durationMs: Math.round(performance.now() - started),
      ...(redirects.length ? { redirects: [...redirects] } : {}),
      ...extra,
    });
    if (request.kind === 'url') {
      const why = refusalReason(url, this.opts.allowlist);
      if (why) return { ok: false, exchange: exchange({}), finding: liveFinding('LIVE-HOST-REFUSED', `Not fetching ${url.href}: ${why}`) };
    }
    let call: () => Promise<FhirResource> = () => {
      const client = this.clientFor(url);
      switch (request.kind) {
        case 'capabilities':
          return client.capabilityStatement(options);
        case 'read':
          return client.read({ resourceType: request.type, id: request.id, options });
        case 'search':
          return client.search({ resourceType: request.type, searchParams: request.params, options });
        case 'url':
          return client.request(url.href, { options });
      }
    };
    for (;;) {
      try {
        const body = await call();
        const { request: req, response } = Client.httpFor(body);
        if (req) url = new URL(req.url);
        const contentType = response?.headers.get('content-type') ?? undefined;
        return { ok: true, exchange: exchange({ status: response?.status, contentType }), body };
      } catch (e) {
        const err = e as { response?: { status?: number; data?: unknown }; config?: { url?: string; headers?: Headers } };
        if (err.config?.url) url = new URL(err.config.url);
        const status = err.response?.status;
        if (signal.aborted) {
          return {
            ok: false,
            exchange: exchange({ status }),
            finding: liveFinding('LIVE-TIMEOUT', `No complete answer from ${url.href} within ${timeoutMs} ms`),
          };
        }
        if (status !== undefined && status >= 300 && status < 400 && err.config?.headers?.get('location')) {
          const location = err.config.headers.get('location')!;
          let next: URL;
          try {
            next = new URL(location, url);
          } catch {
            return {
              ok: false,
              exchange: exchange({ status }),
              finding: liveFinding('LIVE-REDIRECT', `${url.href} redirects to '${location}', which is not a URL`),
            };
          }
          const why = redirectRefusal(url, next, redirects.length, this.opts.allowlist);
          if (why) {
            return {
              ok: false,
              exchange: exchange({ status }),
              finding: liveFinding(
                'LIVE-REDIRECT',
                `${url.href} redirects (HTTP ${status}) to ${next.href}, which is not followed: ${why}`,
              ),
            };
          }
          redirects.push(url.href);
          url = next;
          call = () => this.clientFor(next).request(next.href, { options });
          continue;
        }
        return {
          ok: false,
          exchange: exchange({ status }),
          finding: classifyFailure(e, url, status, err.response?.data, this.opts.maxResponseBytes),
        };
      }
    }
  }

  /** The URL a request goes to, for messages about a request that never got an answer. */
  private expectedUrl(request: LiveRequest): URL {
    const base = this.opts.baseUrl.href.endsWith('/') ? this.opts.baseUrl.href : `${this.opts.baseUrl.href}/`;
    switch (request.kind) {
      case 'url':
        return request.url;
      case 'capabilities':
        return new URL('metadata', base);
      case 'read':
        return new URL(`${request.type}/${encodeURIComponent(request.id)}`, base);
      case 'search': {
        const query = new URLSearchParams();
        for (const [k, v] of Object.entries(request.params)) for (const one of Array.isArray(v) ? v : [v]) query.append(k, one);
        return new URL(`${request.type}?${query}`, base);
      }
    }
  }

  async close(): Promise<void> {
    const entries = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(entries.map((e) => e.dispatcher.destroy().catch(() => undefined)));
  }
}

function causeCode(e: unknown): string | undefined {
  let cur = e as { code?: string; cause?: unknown } | undefined;
  for (let depth = 0; cur && depth < 5; depth++) {
    if (typeof cur.code === 'string') return cur.code;
    cur = cur.cause as typeof cur;
  }
  return undefined;
}

function causeMessage(e: unknown): string {
  let cur = e as { message?: string; cause?: unknown } | undefined;
  let msg = cur?.message ?? String(e);
  for (let depth = 0; cur?.cause && depth < 5; depth++) {
    cur = cur.cause as typeof cur;
    if (cur?.message) msg = cur.message;
  }
  return msg;
}

function classifyFailure(e: unknown, url: URL, status: number | undefined, data: unknown, maxBytes: number): Finding {
  const code = causeCode(e);
  if (code === HOST_REFUSED) return liveFinding('LIVE-HOST-REFUSED', `Not connecting to ${url.host}: ${causeMessage(e)}`);
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE')
    return liveFinding('LIVE-TOO-LARGE', `The response from ${url.href} is larger than ${maxBytes} bytes`);
  if (code === ENCODED_BODY_REFUSED) return liveFinding('LIVE-CONTENT-ENCODING', `${url.href}: ${causeMessage(e)}`);
  if (status !== undefined) {
    if (status >= 200 && status < 300) {
      return liveFinding(
        'LIVE-NOT-JSON',
        `${url.href} answered HTTP ${status} with a body that is not JSON; a FHIR server must answer application/fhir+json when asked for it`,
      );
    }
    const outcome = operationOutcomeText(data);
    return liveFinding('LIVE-HTTP-STATUS', `${url.href} answered HTTP ${status}${outcome ? `: ${outcome}` : ''}`);
  }
  if (e instanceof TypeError && /non-object/.test(e.message)) {
    return liveFinding('LIVE-NOT-RESOURCE', `${url.href} answered with JSON that is not an object, so not a FHIR resource`);
  }
  const what = code ? `${code}: ${causeMessage(e)}` : causeMessage(e);
  return liveFinding('LIVE-NETWORK', `Could not fetch ${url.href} (${what})`);
}

/** The diagnostics of an OperationOutcome error body, shortened: the vendor's own explanation of the failure. */
function operationOutcomeText(data: unknown): string | undefined {
  const oo = data as { resourceType?: unknown; issue?: Array<{ diagnostics?: unknown; details?: { text?: unknown } }> } | undefined;
  if (!oo || oo.resourceType !== 'OperationOutcome' || !Array.isArray(oo.issue)) return undefined;
  const texts = oo.issue
    .map((i) => (typeof i.diagnostics === 'string' ? i.diagnostics : typeof i.details?.text === 'string' ? i.details.text : ''))
    .filter(Boolean);
  const text = texts.join('; ');
  return text ? (text.length > 300 ? `${text.slice(0, 300)}…` : text) : undefined;
}
