import { parseArgs } from 'node:util';
import type { CliIo } from '../cli-io.js';
import { callServer } from '../server-call.js';

export const summary =
  'Your systems and versions on a samsvar server: samsvar systems list|add|add-version|set-fhir-base-url|fhir-challenge|verify-fhir-server';

const HELP = `usage:
  samsvar systems list --server URL --token TOKEN
  samsvar systems add NAME --server URL --token TOKEN
  samsvar systems add-version SYSTEM_ID VERSION --her-id HER [--fhir-base-url URL] [--released-at YYYY-MM-DD] --server URL --token TOKEN
  samsvar systems set-fhir-base-url SYSTEM_ID VERSION_ID URL --server URL --token TOKEN
  samsvar systems fhir-challenge SYSTEM_ID VERSION_ID --server URL --token TOKEN
  samsvar systems verify-fhir-server SYSTEM_ID VERSION_ID --server URL --token TOKEN

add-version registers a version with its own test communication party: --her-id is the HER-id
the system sends from in the test address register. Every message it submits in a run must come
from it, and samsvar's generated messages go to it (required before testing message profiles).
--fhir-base-url (or set-fhir-base-url later) registers the version's FHIR API: its live tests run
against that base URL only, and no other vendor can register it. Moving it makes live tests run
against the previous one stop counting.
Registering is no proof that you control the API's server: fhir-challenge prints the URL at the
server's origin and the answer it must serve there (HTTP 200, the answer as the whole body);
verify-fhir-server has samsvar fetch it. No live test on the server runs or counts until then.

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
  versions: VersionBody[];
}

interface VersionBody {
  id: string;
  version: string;
  herId: string | null;
  fhirBaseUrl: string | null;
}

interface FhirServerBody {
  fhirBaseUrl: string;
  server: string;
  verified: boolean;
  verifiedAt?: string;
  challenge: { url: string; token: string; answer: string };
}

const serverLines = (f: FhirServerBody) =>
  [
    `${f.fhirBaseUrl}  server ${f.server}  ${f.verified ? `verified ${f.verifiedAt ?? ''}`.trim() : 'not verified'}`,
    `url    ${f.challenge.url}`,
    `serve  ${f.challenge.answer}`,
  ].join('\n');

const versionLine = (v: VersionBody) =>
  `${v.id}  ${v.version}  HER-id ${v.herId ?? '(none)'}${v.fhirBaseUrl ? `  FHIR API ${v.fhirBaseUrl}` : ''}`;

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      server: { type: 'string' },
      token: { type: 'string' },
      'her-id': { type: 'string' },
      'fhir-base-url': { type: 'string' },
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
  const arity: Record<string, number> = {
    list: 0,
    add: 1,
    'add-version': 2,
    'set-fhir-base-url': 3,
    'fhir-challenge': 2,
    'verify-fhir-server': 2,
  };
  if (!sub || !(sub in arity) || rest.length !== arity[sub] || !server || !token) {
    const missing = [!server && '--server', !token && '--token'].filter(Boolean);
    io.err(`samsvar systems: ${missing.length ? `missing ${missing.join(', ')}` : 'which subcommand, with which arguments?'}\n\n${HELP}`);
    return 2;
  }
  if (sub === 'list') {
    const systems = (await call(io, server, token, 'GET', 'systems')) as SystemBody[] | null;
    if (!systems) return 2;
    const lines = systems.flatMap((s) => [`${s.id}  ${s.name}`, ...s.versions.map((v) => `  ${versionLine(v)}`)]);
    io.out(lines.length ? lines.join('\n') : 'no systems yet: samsvar systems add NAME');
    return 0;
  }
  if (sub === 'add') {
    const sys = (await call(io, server, token, 'POST', 'systems', { name: rest[0] })) as SystemBody | null;
    if (!sys) return 2;
    io.out(`${sys.id}  ${sys.name}`);
    return 0;
  }
  if (sub === 'set-fhir-base-url') {
    const [systemId, versionId, fhirBaseUrl] = rest as [string, string, string];
    const route = `systems/${encodeURIComponent(systemId)}/versions/${encodeURIComponent(versionId)}/fhir-base-url`;
    const ver = (await call(io, server, token, 'PUT', route, { fhirBaseUrl })) as VersionBody | null;
    if (!ver) return 2;
    io.out(versionLine(ver));
    return 0;
  }
  if (sub === 'fhir-challenge' || sub === 'verify-fhir-server') {
    const [systemId, versionId] = rest as [string, string];
    const route = `systems/${encodeURIComponent(systemId)}/versions/${encodeURIComponent(versionId)}/fhir-base-url`;
    const status = (
      sub === 'fhir-challenge' ? await call(io, server, token, 'GET', route) : await call(io, server, token, 'POST', `${route}/verify`)
    ) as FhirServerBody | null;
    if (!status) return 2;
    io.out(serverLines(status));
    return 0;
  }
  if (!values['her-id']) {
    io.err(`samsvar systems add-version: give --her-id, your system's test communication party\n\n${HELP}`);
    return 2;
  }
  const body = {
    version: rest[1],
    herId: values['her-id'],
    ...(values['fhir-base-url'] ? { fhirBaseUrl: values['fhir-base-url'] } : {}),
    ...(values['released-at'] ? { releasedAt: values['released-at'] } : {}),
  };
  const ver = (await call(io, server, token, 'POST', `systems/${encodeURIComponent(rest[0]!)}/versions`, body)) as VersionBody | null;
  if (!ver) return 2;
  io.out(versionLine(ver));
  return 0;
}
