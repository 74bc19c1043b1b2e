import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIo } from '../cli-io.js';
import { callServer } from '../server-call.js';
import type { Verdict } from '../../core/verdict.js';
import { isFhirXml } from '../../fhir/fhir-xml-sniff.js';

export const summary = 'Submit a message or resource to a test run on a samsvar server (exit 0 passed, 1 failed)';

const HELP = `usage: samsvar submit --server URL --token TOKEN --run ID --testcase ID FILE

Posts FILE to the run's test case and prints the verdict and findings.
Exit status: 0 passed, 1 failed, 2 usage, transport or HTTP error (the problem detail is printed).

options:
  --server URL         the samsvar service, e.g. https://samsvar.example.no (or SAMSVAR_SERVER)
  --token TOKEN        your vendor API token (or SAMSVAR_TOKEN)
  --run ID             the test run
  --testcase ID        the test case the file answers
  --content-type TYPE  default from the extension: .xml application/xml (application/fhir+xml for
                       a FHIR resource), .json application/fhir+json
  --json               print the server's JSON answer instead of a summary`;

interface SubmissionAnswer {
  id: string;
  testcase: string;
  verdict: Verdict;
  findings: { ruleId: string; severity: string; message: string; line?: number; column?: number; xpath?: string; path?: string }[];
}

/** From the extension; an .xml file whose root element is in FHIR's namespace is a FHIR resource. */
function contentTypeFor(file: string, body: Buffer): string | undefined {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.xml') return isFhirXml(body) ? 'application/fhir+xml' : 'application/xml';
  if (ext === '.json') return 'application/fhir+json';
  return undefined;
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      server: { type: 'string' },
      token: { type: 'string' },
      run: { type: 'string' },
      testcase: { type: 'string' },
      'content-type': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const server = values.server ?? io.env.SAMSVAR_SERVER;
  const token = values.token ?? io.env.SAMSVAR_TOKEN;
  const missing = [
    !server && '--server',
    !token && '--token',
    !values.run && '--run',
    !values.testcase && '--testcase',
    positionals.length !== 1 && 'FILE',
  ].filter(Boolean);
  if (missing.length) {
    io.err(`samsvar submit: missing ${missing.join(', ')}\n\n${HELP}`);
    return 2;
  }
  const file = path.resolve(io.cwd, positionals[0]!);
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch (e) {
    io.err(`samsvar submit: cannot read ${positionals[0]}: ${(e as Error).message}`);
    return 2;
  }
  const contentType = values['content-type'] ?? contentTypeFor(file, body);
  if (!contentType) {
    io.err(
      `samsvar submit: cannot tell the content type of ${positionals[0]} from its extension; pass --content-type application/xml, application/fhir+json or application/fhir+xml`,
    );
    return 2;
  }
  let url: URL;
  try {
    url = new URL(`api/v1/runs/${encodeURIComponent(values.run!)}/submissions`, server!.endsWith('/') ? server : `${server}/`);
  } catch {
    io.err(`samsvar submit: --server ${server} is not a URL`);
    return 2;
  }
  url.searchParams.set('testcase', values.testcase!);

  const answered = await callServer(io, 'submit', url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body: new Uint8Array(body),
  });
  if (answered === null) return 2;
  let answer: SubmissionAnswer;
  try {
    answer = JSON.parse(answered.text) as SubmissionAnswer;
  } catch {
    io.err(`samsvar submit: the server answered ${answered.status} but not with JSON`);
    return 2;
  }
  if (values.json) io.out(JSON.stringify(answer, null, 2));
  else {
    const lines = [`${answer.testcase}: ${answer.verdict.toUpperCase()} (submission ${answer.id})`];
    for (const f of answer.findings) {
      const at = f.line ? ` line ${f.line}${f.column ? `:${f.column}` : ''}` : '';
      const where = f.xpath ?? f.path;
      lines.push(`  ${f.severity} ${f.ruleId}${at}${where ? ` ${where}` : ''}: ${f.message}`);
    }
    io.out(lines.join('\n'));
  }
  return answer.verdict === 'passed' ? 0 : 1;
}
