import type { IncomingMessage } from 'node:http';
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

/**
 * The same, read from Node's request stream (the service behind @hono/node-server): reading
 * `Request.body` makes the server build a full web Request around the message (a ReadableStream,
 * an AbortSignal, header objects), which cost the request thread more than all the rest of a small
 * validation's handling.
 */
export function readLimitedIncoming(incoming: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  const declared = incoming.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) return Promise.reject(tooLarge(maxBytes));
  if (incoming.readableEnded) return Promise.resolve(new Uint8Array(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const stop = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onAbort);
      incoming.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total > maxBytes) {
        // What is left is not kept; the server drains or closes the connection once answered.
        stop();
        incoming.pause();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      // A copy of its own: the chunks are views of the socket's read buffers.
      const out = new Uint8Array(total);
      let offset = 0;
      for (const c of chunks) {
        out.set(c, offset);
        offset += c.byteLength;
      }
      resolve(out);
    };
    const onAbort = () => {
      stop();
      // The client closed the connection half way: its request, not our bug (and nobody reads the answer).
      reject(new SamsvarError('bad_request', 'the request body ended before it was complete: the client closed the connection'));
    };
    const onClose = () => {
      if (!incoming.readableEnded) onAbort();
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onAbort);
    incoming.on('close', onClose);
  });
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
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new SamsvarError('bad_request', `the body is not valid JSON: ${(e as Error).message}`);
  }
  const at = nulAt(value);
  // No name, address or reason holds NUL, and PostgreSQL text cannot: refused here, not as a 500 from the database.
  if (at !== undefined) throw new SamsvarError('bad_request', `the body holds a NUL character (\\u0000) at ${at || '/'}; no field may`);
  return value;
}

/** The JSON pointer of a string (value or key) holding NUL, if any; iterative, as a body may nest deeply. */
function nulAt(root: unknown): string | undefined {
  const stack: [unknown, string][] = [[root, '']];
  for (let top = stack.pop(); top; top = stack.pop()) {
    const [value, pointer] = top;
    if (typeof value === 'string') {
      if (value.includes('\0')) return pointer;
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        const here = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        if (key.includes('\0')) return here;
        stack.push([item, here]);
      }
    }
  }
  return undefined;
}
