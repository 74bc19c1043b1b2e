import path from 'node:path';
import { parseArgs } from 'node:util';
import { SamsvarError } from '../../core/samsvar-error.js';
import { importedProfilesDir, SHIPPED_TESTCASES_DIR } from '../../core/paths.js';
import { Engine } from '../../engine/engine.js';
import { HostAllowlist } from '../../live/host-allowlist.js';
import { renderLiveTestcaseList, renderLiveText } from '../../live/live-report.js';
import { runLiveTest } from '../../live/live-runner.js';
import { loadCatalog, type ProfileCatalog } from '../../profiles/catalog.js';
import { loadTestcaseFile, loadTestcases } from '../../testcases/load-testcases.js';
import type { LiveTestcase, Testcase } from '../../testcases/testcase.js';
import type { CliIo } from '../cli-io.js';

export const summary = 'run a live test case against a FHIR API: samsvar fhir-test BASEURL --testcase ID [--param name=value ...]';

const HELP = `usage: samsvar fhir-test BASEURL --testcase ID [--token T] [--param name=value ...]
                        [--format text|json] [--allow-host PATTERN ...] [--timeout MS] [--max-resources N]
       samsvar fhir-test --list

Reads BASEURL/metadata and checks the CapabilityStatement, runs the test case's reads and searches,
and validates every returned resource against the test case's profile with the same engine as
\`samsvar validate\`.

  --testcase ID        a shipped live test case (see --list), or the path of a test case .json file
  --param name=value   test data the test case asks for, e.g. --param patientId=pasient-1 (repeatable)
  --token T            bearer token for BASEURL (or set SAMSVAR_FHIR_TOKEN); never sent to other hosts
  --allow-host PATTERN another host the test may reach, e.g. auth.example.no or *.example.no
                       (repeatable); BASEURL's own host and port are always allowed
  --timeout MS         limit for each HTTP call (default 10000)
  --max-resources N    resources validated at most (default 50)
  --format text|json   report format (default text)

exit codes: 0 passed, 1 failed, 2 usage error (bad arguments, unknown test case, refused host)`;

const isLive = (tc: Testcase): tc is LiveTestcase => tc.kind === 'live';

/** A shipped live test case by id, or a test case file given by path (for authors trying out a new one). */
function findLiveTestcase(idOrFile: string, catalog: ProfileCatalog): LiveTestcase {
  if (idOrFile.endsWith('.json')) {
    const tc = loadTestcaseFile(idOrFile, catalog);
    if (!isLive(tc))
      throw new SamsvarError(
        'bad_request',
        `${idOrFile} is a ${tc.kind} test case; fhir-test runs live test cases (\`samsvar testcases check\` judges the others)`,
      );
    return tc;
  }
  const all = loadTestcases(SHIPPED_TESTCASES_DIR, catalog);
  const found = all.find((t) => t.id === idOrFile);
  if (found && !isLive(found))
    throw new SamsvarError(
      'bad_request',
      `${idOrFile} is a ${found.kind} test case; fhir-test runs live test cases (\`samsvar testcases check\` judges the others)`,
    );
  if (!found) {
    const known =
      all
        .filter(isLive)
        .map((t) => t.id)
        .join(', ') || '(none)';
    throw new SamsvarError('not_found', `unknown live test case '${idOrFile}'; known: ${known}`);
  }
  return found;
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new SamsvarError('bad_request', `--${name} must be a positive whole number, not "${value}"`);
  return n;
}

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        testcase: { type: 'string' },
        token: { type: 'string' },
        param: { type: 'string', multiple: true },
        format: { type: 'string', default: 'text' },
        'allow-host': { type: 'string', multiple: true },
        timeout: { type: 'string' },
        'max-resources': { type: 'string' },
        list: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    // Every malformed command line (unknown option, missing or ambiguous value) is a usage error.
    if ((e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) throw new SamsvarError('bad_request', (e as Error).message);
    throw e;
  }
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args);
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const catalog = () => loadCatalog({ importedDir: importedProfilesDir(io.env) });
  if (values.list) {
    io.out(renderLiveTestcaseList(loadTestcases(SHIPPED_TESTCASES_DIR, catalog()).filter(isLive)));
    return 0;
  }
  if (positionals.length !== 1) throw new SamsvarError('bad_request', `give exactly one FHIR base URL\n${HELP}`);
  if (!values.testcase) throw new SamsvarError('bad_request', `--testcase is required (samsvar fhir-test --list shows them)\n${HELP}`);
  if (!['text', 'json'].includes(values.format!))
    throw new SamsvarError('bad_request', `--format must be text or json, not "${values.format}"`);

  const parameters: Record<string, string> = {};
  for (const p of values.param ?? []) {
    const eq = p.indexOf('=');
    if (eq < 1) throw new SamsvarError('bad_request', `--param must be name=value, not "${p}"`);
    const name = p.slice(0, eq);
    if (name in parameters) throw new SamsvarError('bad_request', `--param ${name} is given twice`);
    parameters[name] = p.slice(eq + 1);
  }

  const [baseUrl] = positionals as [string];
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    throw new SamsvarError('bad_request', `'${baseUrl}' is not a URL; give the FHIR base URL, e.g. https://fhir.example.no/r4`);
  }
  // A vendor testing its own server from its own machine: its host is trusted, loopback included.
  const allowHosts = HostAllowlist.forUrl(base).with(HostAllowlist.parse((values['allow-host'] ?? []).join(',')));
  const engine = new Engine(catalog());
  const testcase = findLiveTestcase(
    values.testcase.endsWith('.json') ? path.resolve(io.cwd, values.testcase) : values.testcase,
    engine.catalog,
  );
  const result = await runLiveTest(testcase, {
    baseUrl,
    token: values.token ?? io.env.SAMSVAR_FHIR_TOKEN,
    parameters,
    engine,
    allowHosts,
    timeoutMs: positiveInt('timeout', values.timeout, 10_000),
    maxResources: positiveInt('max-resources', values['max-resources'], 50),
  });
  io.out(values.format === 'json' ? JSON.stringify(result, null, 2) : renderLiveText(result));
  return result.verdict === 'passed' ? 0 : 1;
}
