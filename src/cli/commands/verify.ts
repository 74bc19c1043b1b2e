import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SamsvarError } from '../../core/samsvar-error.js';
import type { DeclarationContent } from '../../declarations/declaration.js';
import { verifyDeclarationToken, type VerificationAnswer } from '../../declarations/verification.js';
import { fetchJson } from '../../signing/fetch-limited.js';
import { loadJwks } from '../../signing/jwks-source.js';
import type { CliIo } from '../cli-io.js';

export const summary = 'verify a signed declaration (.jws): signature against a JWKS, status from its issuer';

/** Exit codes: what a script needs to tell apart. */
export const VERIFY_EXIT = { active: 0, invalid: 1, usage: 2, notActive: 3, statusUnknown: 4 } as const;

const HELP = `usage: samsvar verify FILE.jws [--jwks URL|FILE] [--offline]

Checks the Ed25519 signature of a self-declaration against the public keys (JWKS) and prints
{ valid, kid, status, statusSource, reason, registry } as JSON. Give the issuer's keys with
--jwks https://<server>/.well-known/jwks.json (the service keeps its keys in its database);
without --jwks, the keys an installation published in $SAMSVAR_DATA/keys are used. The signature
is always checked here, never taken from a server.

Status: only the issuer's registry knows whether a declaration was revoked or superseded, so
verify then asks it (POST <issuer URL>/api/v1/declarations/verify; the issuer URL is part of the
signed declaration). With --offline, or when the issuer cannot be reached, the status is
"unknown" unless the declaration has expired.

Exit 0: valid and active; 1: invalid signature; 2: usage or I/O error;
3: valid but not active (revoked, superseded or expired); 4: valid, status unknown.`;

const MAX_JWS_BYTES = 4 * 1024 * 1024;
const STATUSES = new Set(['active', 'revoked', 'superseded', 'expired']);

/** Asks the issuer's registry for the status; what it cannot tell stays "unknown", with why. */
async function registryStatus(jws: string, d: DeclarationContent, offline: VerificationAnswer): Promise<VerificationAnswer> {
  const url = `${d.issuer.url.replace(/\/+$/, '')}/api/v1/declarations/verify`;
  let online: { valid?: unknown; status?: unknown; reason?: unknown };
  try {
    online = await fetchJson(url, { maxBytes: 64 * 1024, timeoutMs: 10_000 }, { body: jws, contentType: 'application/jose' });
  } catch (e) {
    return { ...offline, registry: url, reason: `${offline.reason}; the issuer's registry could not be asked: ${(e as Error).message}` };
  }
  if (online.valid !== true || typeof online.status !== 'string' || !STATUSES.has(online.status)) {
    const said = typeof online.reason === 'string' ? online.reason : 'no status';
    return { ...offline, registry: url, reason: `${offline.reason}; the issuer's registry gave no status for it (${said})` };
  }
  return {
    ...offline,
    status: online.status as VerificationAnswer['status'],
    statusSource: 'registry',
    registry: url,
    ...(typeof online.reason === 'string' ? { reason: online.reason } : { reason: undefined }),
  };
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { jwks: { type: 'string' }, offline: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new SamsvarError('bad_request', `give exactly one .jws file\n${HELP}`);
  const file = path.resolve(io.cwd, positionals[0]);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new SamsvarError('bad_request', `cannot read ${positionals[0]}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (bytes.length > MAX_JWS_BYTES)
    throw new SamsvarError('payload_too_large', `${positionals[0]} is larger than a declaration can be (${MAX_JWS_BYTES} bytes)`);
  const jwks = await loadJwks(values.jwks, io.env, io.cwd);
  const jws = bytes.toString('utf8').trim();
  const { declaration, ...checked } = await verifyDeclarationToken(jws, jwks, new Date());
  // The issuer is asked only about a signature that holds: the URL it names is then signed by a trusted key.
  const answer = declaration && checked.status === 'unknown' && !values.offline ? await registryStatus(jws, declaration, checked) : checked;
  io.out(JSON.stringify(answer, null, 2));
  if (!answer.valid) return VERIFY_EXIT.invalid;
  if (answer.status === 'active') return VERIFY_EXIT.active;
  return answer.status === 'unknown' ? VERIFY_EXIT.statusUnknown : VERIFY_EXIT.notActive;
}
