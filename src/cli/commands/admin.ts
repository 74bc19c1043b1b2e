import { parseArgs } from 'node:util';
import { hashToken, newApiToken } from '../../auth/tokens.js';
import { dataDir } from '../../core/paths.js';
import { SamsvarError } from '../../core/samsvar-error.js';
import { openDatabase } from '../../storage/database.js';
import { Repository } from '../../storage/repository.js';
import type { CliIo } from '../cli-io.js';

export const summary = "Administer the service's database: create or revoke administrator and laboratory tokens";

const HELP = `usage: samsvar admin token create [--role admin|lab] [--name NAME]
       samsvar admin token revoke ID

Works on the service's database directly: SQLite in SAMSVAR_DATA (default ./data) or
PostgreSQL from DATABASE_URL. A created token is printed once; only its hash is stored.`;

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      role: { type: 'string', default: 'admin' },
      name: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const [noun, verb, arg] = positionals;
  if (noun !== 'token' || !['create', 'revoke'].includes(verb ?? '') || (verb === 'revoke' && !arg) || (verb === 'create' && arg)) {
    io.err(HELP);
    return 2;
  }
  if (values.role !== 'admin' && values.role !== 'lab')
    throw new SamsvarError('bad_request', `--role must be admin or lab (got ${values.role}); vendors get their token by registering`);

  const database = await openDatabase({ databaseUrl: io.env.DATABASE_URL || undefined, dataDir: dataDir(io.env) });
  try {
    const repo = new Repository(database.db, database.dialect);
    if (verb === 'create') {
      const token = newApiToken();
      const rec = await repo.vendors.createToken(
        { role: values.role, name: values.name ?? `${values.role} token` },
        hashToken(token),
        'cli:admin',
      );
      io.err(`created ${rec.role} token ${rec.id} (${rec.name}); it is shown only now:`);
      io.out(token);
      return 0;
    }
    if (!(await repo.vendors.revokeToken(arg!, 'cli:admin')))
      throw new SamsvarError('not_found', `token ${arg} not found or already revoked`);
    io.out(`revoked token ${arg}`);
    return 0;
  } finally {
    await database.close();
  }
}
