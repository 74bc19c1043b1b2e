import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SamsvarError } from '../../core/samsvar-error.js';
import { declarationJwsSha256 } from '../../declarations/declaration-signing.js';
import { fetchJson, fetchLimited } from '../../signing/fetch-limited.js';
import { loadJwks } from '../../signing/jwks-source.js';
import { verifyChain, type LogEntry } from '../../transparency/log-chain.js';
import type { CliIo } from '../cli-io.js';

export const summary = 'check the transparency log: `samsvar log verify URL|FILE`';

const HELP = `usage: samsvar log verify URL|FILE [--jwks URL|FILE] [--declarations] [--since HEAD.jws]

Fetches the whole transparency log (URL of the service or of /api/v1/log), re-computes the hash
chain and checks the signed head. Reports the first broken link. FILE is a saved log
({ "entries": [...], "head": { "jws": ... } }). The JWKS defaults to <server>/.well-known/jwks.json.
--declarations also fetches every issued declaration's .jws and checks that it is still served,
byte for byte what the log recorded.
--since checks a head you kept from an earlier check (the "head.jws" of GET /api/v1/log): the log
must still hold, unchanged, every entry that head covered. Without it, a log cut back by someone
who can write the service's database would verify, since the service signs the shorter log afresh.
Exit 0: the chain is intact; 1: it is broken; 2: usage or I/O error.`;

/** One page of GET /api/v1/log. */
export interface LogPage {
  entries: LogEntry[];
  head: { jws: string; size: number; hash: string };
  next: string | null;
}

const MAX_PAGE_BYTES = 8 * 1024 * 1024;
/** A log larger than this is not fetched by the CLI; it is far beyond any real scheme's size. */
const MAX_PAGES = 10_000;

function logUrl(input: string): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new SamsvarError('bad_request', `${input} is not a URL`);
  }
  if (!url.pathname.replace(/\/+$/, '').endsWith('/api/v1/log')) url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v1/log`;
  return url;
}

async function fetchWholeLog(start: URL): Promise<{ entries: LogEntry[]; headJws: string }> {
  const first = await fetchJson<LogPage>(start.toString(), { maxBytes: MAX_PAGE_BYTES });
  if (!first || !Array.isArray(first.entries) || typeof first.head?.jws !== 'string' || !Number.isSafeInteger(first.head.size))
    throw new SamsvarError('bad_request', `${start} is not a samsvar log page`);
  // The head of the first page fixes what is checked; entries appended meanwhile are left for the next check.
  const size = first.head.size;
  const entries = [...first.entries];
  let next = first.next;
  for (let pages = 1; next && entries.length < size; pages++) {
    if (pages >= MAX_PAGES) throw new SamsvarError('payload_too_large', `the log has more than ${MAX_PAGES} pages`);
    let url: URL;
    try {
      url = new URL(next, start);
    } catch {
      throw new SamsvarError('bad_request', `the log's next link '${next}' is not a URL`);
    }
    if (url.origin !== start.origin) throw new SamsvarError('bad_request', `the log's next link ${url} leaves ${start.origin}`);
    const page = await fetchJson<LogPage>(url.toString(), { maxBytes: MAX_PAGE_BYTES });
    if (!Array.isArray(page?.entries)) throw new SamsvarError('bad_request', `${url} is not a samsvar log page`);
    entries.push(...page.entries);
    next = page.next;
  }
  return { entries: entries.slice(0, Math.max(size, 0)), headJws: first.head.jws };
}

/** Every issued declaration must still be served as exactly the token whose SHA-256 the log recorded. */
async function checkIssuedDeclarations(entries: LogEntry[], logAt: URL): Promise<string | undefined> {
  for (const e of entries.filter((x) => x.type === 'issued')) {
    const at = new URL(`/api/v1/declarations/${encodeURIComponent(e.declarationId)}.jws`, logAt);
    let jws: Uint8Array;
    try {
      jws = await fetchLimited(at.toString(), { maxBytes: MAX_PAGE_BYTES, accept: 'application/jose' });
    } catch (err) {
      return `declaration ${e.declarationId} (log entry ${e.seq}) is not served: ${(err as SamsvarError).detail ?? (err as Error).message}`;
    }
    if (declarationJwsSha256(Buffer.from(jws).toString('utf8')) !== e.subjectSha256) {
      return `declaration ${e.declarationId} (log entry ${e.seq}) was altered: its token is not the one the log recorded`;
    }
  }
  return undefined;
}

/** A compact JWS saved from an earlier look at the log (GET /api/v1/log → head.jws). */
function readHeadFile(name: string, cwd: string): string {
  const file = path.resolve(cwd, name);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new SamsvarError('bad_request', `cannot read ${name}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (text.length > 64 * 1024) throw new SamsvarError('bad_request', `${name} is too large to be a signed log head`);
  return text.trim();
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      jwks: { type: 'string' },
      declarations: { type: 'boolean' },
      since: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length === 0) {
    io.out(HELP);
    return values.help ? 0 : 2;
  }
  const [action, target, ...rest] = positionals;
  if (action !== 'verify' || !target || rest.length > 0) throw new SamsvarError('bad_request', `unknown use of \`samsvar log\`\n${HELP}`);

  let entries: LogEntry[];
  let headJws: string;
  let jwksSource = values.jwks;
  let url: URL | undefined;
  if (values.declarations && !/^https?:\/\//i.test(target)) throw new SamsvarError('bad_request', '--declarations needs the service URL');
  if (/^https?:\/\//i.test(target)) {
    url = logUrl(target);
    ({ entries, headJws } = await fetchWholeLog(url));
    jwksSource ??= new URL('/.well-known/jwks.json', url).toString();
  } else {
    const file = path.resolve(io.cwd, target);
    if (!existsSync(file)) throw new SamsvarError('bad_request', `${target} does not exist`);
    let saved: { entries?: unknown; head?: { jws?: unknown } };
    try {
      saved = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new SamsvarError('bad_request', `${target} is not JSON: ${(e as Error).message}`);
    }
    if (!Array.isArray(saved.entries) || typeof saved.head?.jws !== 'string')
      throw new SamsvarError('bad_request', `${target} is not a saved log ({ entries, head: { jws } })`);
    entries = saved.entries as LogEntry[];
    headJws = saved.head.jws;
  }
  const earlierHeadJws = values.since === undefined ? undefined : readHeadFile(values.since, io.cwd);
  const jwks = await loadJwks(jwksSource, io.env, io.cwd);
  const result = await verifyChain(entries, { headJws, jwks, ...(earlierHeadJws !== undefined ? { earlierHeadJws } : {}) });
  if (result.ok) {
    if (values.declarations && url) {
      const problem = await checkIssuedDeclarations(entries, url);
      if (problem) {
        io.out(`log intact, but ${problem}`);
        return 1;
      }
    }
    const sinceNote = result.earlierHeadSize !== undefined ? `; it extends the earlier head of ${result.earlierHeadSize} entries` : '';
    io.out(`log intact: ${result.size} entries, head ${result.headHash}${sinceNote}`);
    return 0;
  }
  io.out(`log broken at entry ${result.firstBroken.seq}: ${result.firstBroken.reason}`);
  return 1;
}
