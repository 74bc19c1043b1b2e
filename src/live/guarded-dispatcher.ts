import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent, type Dispatcher } from 'undici';
import { internalAddressKind } from './internal-address.js';

/** Error codes the guard puts on the errors it raises, so callers can tell them from network failures. */
export const HOST_REFUSED = 'SAMSVAR_HOST_REFUSED';
export const ENCODED_BODY_REFUSED = 'SAMSVAR_ENCODED_BODY';

/** Resolves a host name to all its addresses (node:dns by default; tests inject their own). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

export interface GuardOptions {
  /** Only when an operator named this exact host: accept loopback, private and link-local addresses. */
  permitInternal: boolean;
  connectTimeoutMs: number;
  maxResponseBytes: number;
  resolver?: Resolver;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * The address check runs inside the connection's own DNS lookup, so the address that is checked
 * is the address that is connected to: a name cannot resolve to a public address for the check
 * and to 127.0.0.1 for the connection (DNS rebinding).
 */
function guardedLookup(permitInternal: boolean, resolver: Resolver) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    resolver(hostname).then(
      (addresses) => {
        if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
        if (!permitInternal) {
          for (const a of addresses) {
            const kind = internalAddressKind(a.address);
            if (kind) {
              const err = Object.assign(
                new Error(
                  `${hostname} resolves to ${a.address} (${kind}); only hosts named exactly in the allowlist may use internal addresses`,
                ),
                { code: HOST_REFUSED },
              );
              return callback(err, []);
            }
          }
        }
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, []),
    );
  };
}

/**
 * fetch inflates gzip/deflate/br bodies after the size limit has counted the compressed bytes, so a
 * small compressed body could expand without bound. Requests ask for identity encoding; a response
 * that is encoded anyway is aborted before its body is read.
 */
class RefuseEncodedBody implements Dispatcher.DispatchHandlers {
  private abort?: (err: Error) => void;

  constructor(private readonly inner: Dispatcher.DispatchHandlers) {}

  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort;
    this.inner.onConnect?.(abort);
  }

  onError(err: Error): void {
    this.inner.onError?.(err);
  }

  onUpgrade(statusCode: number, headers: Buffer[] | string[] | null, socket: import('node:stream').Duplex): void {
    this.inner.onUpgrade?.(statusCode, headers, socket);
  }

  onResponseStarted(): void {
    this.inner.onResponseStarted?.();
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      if (String(rawHeaders[i]).toLowerCase() !== 'content-encoding') continue;
      const encoding = String(rawHeaders[i + 1])
        .trim()
        .toLowerCase();
      if (encoding && encoding !== 'identity') {
        this.abort?.(
          Object.assign(new Error(`the response is ${encoding}-encoded although the request asked for identity encoding`), {
            code: ENCODED_BODY_REFUSED,
          }),
        );
        return false;
      }
    }
    return this.inner.onHeaders?.(statusCode, rawHeaders, resume, statusText) ?? true;
  }

  onData(chunk: Buffer): boolean {
    return this.inner.onData?.(chunk) ?? true;
  }

  onComplete(trailers: string[] | null): void {
    this.inner.onComplete?.(trailers);
  }

  onBodySent(chunkSize: number, totalBytesSent: number): void {
    this.inner.onBodySent?.(chunkSize, totalBytesSent);
  }
}

/** An undici dispatcher for one origin of a live test: checked addresses, bounded bodies, no inflation. */
export function guardedDispatcher(opts: GuardOptions): Dispatcher {
  const agent = new Agent({
    connect: { lookup: guardedLookup(opts.permitInternal, opts.resolver ?? systemResolver) as never, timeout: opts.connectTimeoutMs },
    connectTimeout: opts.connectTimeoutMs,
    maxResponseSize: opts.maxResponseBytes,
    headersTimeout: opts.connectTimeoutMs,
    bodyTimeout: opts.connectTimeoutMs,
  });
  return agent.compose((dispatch) => (dispatchOpts, handler) => dispatch(dispatchOpts, new RefuseEncodedBody(handler)));
}
