import { parseArgs } from 'node:util';
import type { CliIo } from '../cli-io.js';
import { callServer } from '../server-call.js';

export const summary = 'Your systems and versions on a samsvar server: samsvar systems list|add|add-version';

const HELP = `usage:
  samsvar systems list --server URL --token TOKEN
  samsvar systems add NAME --server URL --token TOKEN
  samsvar systems add-version SYSTEM_ID VERSION --her-id HER [--released-at YYYY-MM-DD] --server URL --token TOKEN

add-version registers a version with its own test communication party: --her-id is the HER-id
the system sends from in the test address register. Every message it submits in a run must come
from it, and samsvar's generated messages go to it (required before testing message profiles).

--server and --token default to SAMSVAR_SERVER and SAMSVAR_TOKEN.
Exit status: 0 done, 2 usage, transport or HTTP error (the problem detail is printed).`;

/** One API call; a failure is printed and answered with null (exit 2). */
async function call(io: CliIo, server: string, token: string, method: string, route: string, json?: unknown): Promise<unknown> {
  let url: URL;
  try {
    url = new URL(`api/v1/${route}`, server.endsWith('/') ? server : `${server}/`);
  } catch {
    io.err(`samsvar systems: --server ${server} is not a URL`);
    return null;
  }
  const answered = await callServer(io, 'systems', url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(json ? { 'content-type': 'application/json' } : {}) },
    body: json ? JSON.stringify(json) : undefined,
  });
  if (answered === null) return null;
  return JSON.parse(answered.text) as unknown;
}

interface SystemBody {
  id: string;
  name: string;
  versions: { id: string; version: string; herId: string | null }[];
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      server: { type: 'string' },
      token: { type: 'string' },
      'her-id': { type: 'string' },
      'released-at': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const [sub, ...rest] = positionals;
  const server = values.server ?? io.env.SAMSVAR_SERVER;
  const token = values.token ?? io.env.SAMSVAR_TOKEN;
  const arity: Record<string, number> = { list: 0, add: 1, 'add-version': 2 };
  if (!sub || !(sub in arity) || rest.length !== arity[sub] || !server || !token) {
    const missing = [!server && '--server', !token && '--token'].filter(Boolean);
    io.err(`samsvar systems: ${missing.length ? `missing ${missing.join(', ')}` : 'which subcommand, with which arguments?'}\n\n${HELP}`);
    return 2;
  }
  if (sub === 'list') {
    const systems = (await call(io, server, token, 'GET', 'systems')) as SystemBody[] | null;
    if (!systems) return 2;
    const lines = systems.flatMap((s) => [
      `${s.id}  ${s.name}`,
      ...s.versions.map((v) => `  ${v.id}  ${v.version}  HER-id ${v.herId ?? '(none)'}`),
    ]);
    io.out(lines.length ? lines.join('\n') : 'no systems yet: samsvar systems add NAME');
    return 0;
  }
  if (sub === 'add') {
    const sys = (await call(io, server, token, 'POST', 'systems', { name: rest[0] })) as SystemBody | null;
    if (!sys) return 2;
    io.out(`${sys.id}  ${sys.name}`);
    return 0;
  }
  if (!values['her-id']) {
    io.err(`samsvar systems add-version: give --her-id, your system's test communication party\n\n${HELP}`);
    return 2;
  }
  const body = { version: rest[1], herId: values['her-id'], ...(values['released-at'] ? { releasedAt: values['released-at'] } : {}) };
  const ver = (await call(io, server, token, 'POST', `systems/${encodeURIComponent(rest[0]!)}/versions`, body)) as {
    id: string;
    version: string;
    herId: string;
  } | null;
  if (!ver) return 2;
  io.out(`${ver.id}  ${ver.version}  HER-id ${ver.herId}`);
  return 0;
}
