import type { ErrorCode } from '../core/samsvar-error.js';
import { SamsvarError } from '../core/samsvar-error.js';

/** The one place where an error code becomes an HTTP status. */
export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
  insufficient_storage: 507,
  headers_too_large: 431,
  profile_invalid: 422,
  internal: 500,
};

const TITLES: Record<ErrorCode, string> = {
  bad_request: 'Malformed request',
  unauthorized: 'Missing or invalid token',
  forbidden: 'Not allowed for this role',
  not_found: 'Not found',
  conflict: 'Conflict with the current state',
  payload_too_large: 'Request body too large',
  unsupported_media_type: 'Unsupported content type',
  unprocessable: 'Request not valid for this resource',
  rate_limited: 'Too many requests',
  unavailable: 'Service busy; try again later',
  insufficient_storage: 'Storage full',
  headers_too_large: 'Request headers too large',
  profile_invalid: 'Profile is invalid',
  internal: 'Internal error',
};

export const PROBLEM_TYPE_BASE = 'https://samsvar.no/problems/';

/** An RFC 9457 problem document. `type` and `code` are stable; `detail` is for the reader. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  instance?: string;
  [extra: string]: unknown;
}

export function toProblem(err: SamsvarError, instance?: string): Problem {
  const status = STATUS_BY_CODE[err.code];
  return {
    ...(err.extra ?? {}),
    type: `${PROBLEM_TYPE_BASE}${err.code}`,
    title: TITLES[err.code],
    status,
    code: err.code,
    detail: err.detail,
    ...(instance ? { instance } : {}),
  };
}

export function problemResponse(err: SamsvarError, instance?: string, headers: Record<string, string> = {}): Response {
  const problem = toProblem(err, instance);
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });
}

/**
 * A write the disk (or the database's own size limit) had no room for: ENOSPC or EDQUOT from the
 * file system, SQLITE_FULL from SQLite, disk_full (53100) from PostgreSQL. Nothing was stored and
 * the client may try again later; it is the operator's to fix, not a bug.
 */
export function isStorageFull(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL' || code === '53100';
}

export function storageFullProblem(instance: string, log: (msg: string) => void): Response {
  log(`storage full at ${instance}: the write was refused and nothing was stored`);
  return problemResponse(
    new SamsvarError(
      'insufficient_storage',
      'the service could not store this request because its storage is full; nothing was stored, try again later',
    ),
    instance,
  );
}

/** Anything thrown that is not a SamsvarError is our bug: the client gets a plain 500, the log gets the stack. */
export function unexpectedProblem(err: unknown, instance: string, log: (msg: string) => void): Response {
  log(`unexpected error at ${instance}: ${(err as Error)?.stack ?? String(err)}`);
  return problemResponse(new SamsvarError('internal', 'the service failed to handle this request; it has been logged'), instance);
}
