import { SamsvarError } from '../core/samsvar-error.js';

export interface FetchLimits {
  maxBytes: number;
  timeoutMs?: number;
  accept?: string;
}

const MAX_REDIRECTS = 5;

/**
 * Redirects are followed only within the origin asked for: the user chose that server, and a
 * redirect must not turn the CLI into a client of another host (an internal address, or an http
 * copy of an https JWKS).
 */
function nextHop(from: URL, location: string, hops: number): URL {
  let to: URL;
  try {
    to = new URL(location, from);
  } catch {
    throw new SamsvarError('bad_request', `${from} redirects to '${location}', which is not a URL`);
  }
  if (to.origin !== from.origin)
    throw new SamsvarError('bad_request', `${from} redirects to ${to}, another origin; give that URL yourself if you trust it`);
  if (hops >= MAX_REDIRECTS) throw new SamsvarError('bad_request', `${from}: more than ${MAX_REDIRECTS} redirects`);
  return to;
}

/**
 * GET with a deadline and a size cap: the CLI fetches JWKS and log pages from servers it has no
 * reason to trust, and a slow or endless answer must end as a message, not a hang.
 */
export async function fetchLimited(url: string, limits: FetchLimits, post?: { body: string; contentType: string }): Promise<Uint8Array> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SamsvarError('bad_request', `${url} is not a URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new SamsvarError('bad_request', `${url}: only http and https URLs are fetched`);
  const signal = AbortSignal.timeout(limits.timeoutMs ?? 15_000);
  let res: Response;
  for (let hops = 0; ; hops++) {
    try {
      res = await fetch(parsed, {
        method: post ? 'POST' : 'GET',
        headers: { accept: limits.accept ?? 'application/json', ...(post ? { 'content-type': post.contentType } : {}) },
        ...(post ? { body: post.body } : {}),
        signal,
        redirect: 'manual',
      });
    } catch (e) {
      throw new SamsvarError('bad_request', `cannot fetch ${url}: ${(e as Error).message}`);
    }
    const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
    if (location === null) break;
    await res.body?.cancel();
    parsed = nextHop(parsed, location, hops);
  }
  if (!res.ok) throw new SamsvarError('bad_request', `${url} answered HTTP ${res.status}`);
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > limits.maxBytes)
    throw new SamsvarError('payload_too_large', `${url} is ${declared} bytes, more than the ${limits.maxBytes} accepted`);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body?.getReader();
  if (!reader) return new Uint8Array();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limits.maxBytes) {
      await reader.cancel();
      throw new SamsvarError('payload_too_large', `${url} sent more than the ${limits.maxBytes} bytes accepted`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** GET (or, with `post`, POST) and parse the answer as JSON, within the limits. */
export async function fetchJson<T>(url: string, limits: FetchLimits, post?: { body: string; contentType: string }): Promise<T> {
  const bytes = await fetchLimited(url, limits, post);
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
  } catch {
    throw new SamsvarError('bad_request', `${url} did not answer with JSON`);
  }
}
