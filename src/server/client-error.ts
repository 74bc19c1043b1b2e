import type { Socket } from 'node:net';
import { SamsvarError } from '../core/samsvar-error.js';
import { toProblem } from './problem.js';
import { SECURITY_HEADERS } from './security-headers.js';

/**
 * Node answers what it cannot parse as HTTP (headers over its limit, a broken request line) itself,
 * in plain text and without the security headers. This answers the same as every other refusal:
 * problem JSON with the security headers, then the connection closes. A connection the client
 * already reset gets no answer and no log line.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const refusal =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? new SamsvarError('headers_too_large', 'the request headers exceed the size this service reads; send fewer or shorter headers')
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new SamsvarError('bad_request', 'the request was not received in time')
        : new SamsvarError('bad_request', 'the request is not well-formed HTTP/1.1');
  const status = refusal.code === 'headers_too_large' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const body = JSON.stringify({ ...toProblem(refusal), status });
  const reason = status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request';
  const headers = {
    'content-type': 'application/problem+json',
    'content-length': String(Buffer.byteLength(body)),
    ...SECURITY_HEADERS,
    connection: 'close',
  };
  const head = [`HTTP/1.1 ${status} ${reason}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n');
  socket.end(`${head}\r\n\r\n${body}`);
}
