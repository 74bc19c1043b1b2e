/**
 * The one error type for failures a user must see: a bad argument, a refused request, a profile
 * that cannot be loaded. `code` is stable (clients and tests match on it); `detail` is for people.
 * The HTTP layer maps `code` to a status in one place; the CLI prints `detail` and exits 2.
 */
export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unprocessable'
  | 'rate_limited'
  | 'unavailable'
  | 'insufficient_storage'
  | 'headers_too_large'
  | 'profile_invalid'
  | 'internal';

export class SamsvarError extends Error {
  readonly code: ErrorCode;
  readonly detail: string;
  readonly extra?: Record<string, unknown>;

  constructor(code: ErrorCode, detail: string, extra?: Record<string, unknown>) {
    super(detail);
    this.name = 'SamsvarError';
    this.code = code;
    this.detail = detail;
    this.extra = extra;
  }
}
