import { SamsvarError } from '../core/samsvar-error.js';

/** The media type of a request without parameters, lower case ("application/xml; charset=utf-8" → "application/xml"). */
export function mediaType(header: string | undefined | null): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

export function requireMediaType(header: string | undefined | null, allowed: readonly string[]): string {
  const type = mediaType(header);
  if (!allowed.includes(type)) {
    throw new SamsvarError(
      'unsupported_media_type',
      `content type ${type ? `'${type}'` : '(none)'} is not accepted here; send ${allowed.join(' or ')}`,
      { accepted: allowed },
    );
  }
  return type;
}

/**
 * Reads a request body, refusing it as soon as it exceeds `maxBytes`: a declared Content-Length
 * over the limit is refused before reading, and a chunked body is counted while it streams, so a
 * 1 GB upload costs at most `maxBytes` of memory.
 */
export async function readLimitedBody(req: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = req.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read().catch(() => {
      // The client closed the connection half way: its request, not our bug (and nobody reads the answer).
      throw new SamsvarError('bad_request', 'the request body ended before it was complete: the client closed the connection');
    });
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

function tooLarge(maxBytes: number): SamsvarError {
  return new SamsvarError('payload_too_large', `the body exceeds the limit of ${maxBytes} bytes`, { limit: maxBytes });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A request body as text; invalid UTF-8 is a 400. */
export function utf8Body(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new SamsvarError('bad_request', 'the body is not valid UTF-8');
  }
}

/** Parses a JSON request body; invalid UTF-8 or JSON is a 400 naming the problem. */
export function parseJsonBody(bytes: Uint8Array): unknown {
  const text = utf8Body(bytes);
  if (text.trim() === '') throw new SamsvarError('bad_request', 'the body is empty; send a JSON object');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SamsvarError('bad_request', `the body is not valid JSON: ${(e as Error).message}`);
  }
}
