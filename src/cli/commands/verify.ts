import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SamsvarError } from '../../core/samsvar-error.js';
import { verifyDeclarationToken } from '../../declarations/verification.js';
import { loadJwks } from '../../signing/jwks-source.js';
import type { CliIo } from '../cli-io.js';

export const summary = 'verify a signed declaration (.jws) offline against a JWKS';

const HELP = `usage: samsvar verify FILE.jws [--jwks URL|FILE]

Checks the Ed25519 signature of a self-declaration against the public keys (JWKS) and prints
{ valid, kid, status, reason } as JSON. Without --jwks, the keys of the local installation
($SAMSVAR_DATA/keys) are used. Offline, the status tells only whether the declaration has
expired; a revocation is known to the registry (POST /api/v1/declarations/verify).
Exit 0: valid and active; 1: invalid, expired; 2: usage or I/O error.`;

const MAX_JWS_BYTES = 4 * 1024 * 1024;

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { jwks: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
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
  if (bytes.length > MAX_JWS_BYTES) throw new SamsvarError('payload_too_large', `${positionals[0]} is larger than a declaration can be (${MAX_JWS_BYTES} bytes)`);
  const jwks = await loadJwks(values.jwks, io.env, io.cwd);
  const { declaration: _d, ...answer } = await verifyDeclarationToken(bytes.toString('utf8'), jwks, new Date());
  io.out(JSON.stringify(answer, null, 2));
  return answer.valid && answer.status === 'active' ? 0 : 1;
}
