import { parseArgs } from 'node:util';
import { configFromEnv } from '../../server/config.js';
import { serveUntilSignalled } from '../../serve/lifecycle.js';
import type { CliIo } from '../cli-io.js';

export const summary = 'Run the samsvar service (the same as npm start)';

const HELP = `usage: samsvar serve [--port N]

Starts the HTTP service. Configuration comes from the environment: PORT (default 8080),
SAMSVAR_DATA (default ./data), DATABASE_URL (postgres://…; SQLite otherwise),
SAMSVAR_ADMIN_TOKEN, SAMSVAR_MAX_BODY_BYTES (default 26214400), SAMSVAR_RATE_LIMIT (per minute, default 60).`;

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { port: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } } });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const env = values.port ? { ...io.env, PORT: values.port } : io.env;
  return serveUntilSignalled(() => configFromEnv(env), io.out);
}
