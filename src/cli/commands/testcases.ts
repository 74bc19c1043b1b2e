import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { importedProfilesDir, PACKAGE_ROOT, SHIPPED_TESTCASES_DIR } from '../../core/paths.js';
import { SamsvarError } from '../../core/samsvar-error.js';
import { Engine } from '../../engine/engine.js';
import { loadCatalog, type ProfileCatalog } from '../../profiles/catalog.js';
import {
  acceptedAppRecProfiles,
  DEFAULT_TEST_RECEIVER,
  directionOf,
  evaluateSubmission,
  generateReceiveMessage,
  isXPathAssertion,
  loadTestcaseFile,
  loadTestcases,
  messageHeaderOf,
  publishedTestcaseSchema,
  scaffoldTestcase,
  templateMessageType,
  type Assertion,
  type Testcase,
  type TestcaseKind,
} from '../../testcases/index.js';
import { catalogOfProfileDir, testcasesDirOfPackage } from '../../testcases/profile-package.js';
import { DEFAULT_MAX_BYTES } from '../../xml/limits.js';
import { withXml } from '../../xml/read-xml.js';
import { sha256Hex } from '../../core/sha256.js';
import type { EvaluationContext } from '../../testcases/evaluate-submission.js';
import { shippedFindings, withRefusals } from '../../testcases/evidence-checks.js';
import { readMessageHeader } from '../../testcases/message-header.js';
import { parseRunTestData, SAMSVAR_HER_IDS, type RunTestData } from '../../testcases/run-data.js';
import type { GeneratedParties } from '../../testcases/run-data-checks.js';
import { loadShippedEvidence } from '../../testcases/shipped-evidence.js';
import { runRequirementsNb } from '../../testcases/run-instructions.js';
import type { CliIo } from '../cli-io.js';
import { renderTestcaseJunit, renderTestcaseText, type TestcaseCheckResult } from '../render-results.js';

export const summary = 'list, read, check and write test cases: samsvar testcases list|show|check|generate|new|schema';

const HELP = `usage:
  samsvar testcases list [--profile ID] [--format text|json] [--profile-dir PKG]
  samsvar testcases show ID [--format text|json] [--profile-dir PKG]
  samsvar testcases check ID FILE [--message GENERATED.xml] [--run-data RUN.json | --patient-fnr F [--patient-hnr H]
                                  --system-her-id HER --opened-at TIME] [--format text|json|junit] [--profile-dir PKG]
  samsvar testcases generate ID [--out FILE] [--run-id RUN] [--run-data RUN.json] [--receiver-her-id HER [--receiver-name NAME]] [--profile-dir PKG]
  samsvar testcases new --profile ID --kind submit|receive|live --id ID [--dir DIR]
  samsvar testcases schema

list      the test cases in their order: id, profile, kind, direction (implied by the kind:
          submit and live send, receive receives), whether optional, and title
show      what the vendor must do for one test case, how samsvar decides, and the requirements it covers
check     evaluates FILE as the service does: for a submit test case FILE is the message or
          resource the system produced; for a receive test case FILE is the AppRec the system
          answered with, and --message names the message it answers (from \`generate\` or the run).
          With the run's data (--run-data: the answer of GET /api/v1/runs/{id} or its testData;
          or the flags) it also checks what the service checks: the run's patient, the system's
          party as sender, samsvar's as receiver, GenDate within the run (an AppRec: from the
          system's party to samsvar's). Always: a file shipped with samsvar is no evidence.
          Whether a MsgId or file was used in another run only the service knows.
generate  writes the message a receive test case sends to the system (stdout or --out),
          with the same generator as the service; its MsgId goes to stderr
new       writes DIR/ID.json (default DIR ./testcases), a test case skeleton with bokmål TODO texts
          that loads as it stands (a receive test case reuses its profile's message template or
          gets DIR/templates/ID.xml to fill in); the profile must be shipped or imported
schema    prints testcase.schema.json, the JSON Schema test case files are checked against

--profile-dir PKG uses the profiles and test cases of an unpacked profile package
(GET /api/v1/profiles/{id}/package) instead of the shipped and imported ones.

exit codes: 0 ok (check: passed), 1 check failed, 2 usage error, unknown test case or unreadable file`;

const APPREC_STATUS: Record<string, string> = { '1': 'OK', '2': 'Avvist', '3': 'OK, feil i delmelding' };

interface Loaded {
  catalog: ProfileCatalog;
  testcases: Testcase[];
}

/**
 * The catalog and test cases exactly as the service loads them (shipped and imported profiles), or,
 * with --profile-dir, those of an unpacked profile package.
 */
function load(io: CliIo, profileDir?: string): Loaded {
  if (profileDir) {
    const dir = path.resolve(io.cwd, profileDir);
    const testcasesDir = testcasesDirOfPackage(dir);
    if (!testcasesDir)
      throw new SamsvarError('bad_request', `--profile-dir ${profileDir} is not an unpacked profile package (no samsvar-package.json)`);
    const catalog = catalogOfProfileDir(dir);
    return { catalog, testcases: loadTestcases(testcasesDir, catalog) };
  }
  const catalog = loadCatalog({ importedDir: importedProfilesDir(io.env) });
  return { catalog, testcases: loadTestcases(SHIPPED_TESTCASES_DIR, catalog) };
}

const PROFILE_DIR = { 'profile-dir': { type: 'string' } } as const;

function find(testcases: readonly Testcase[], id: string | undefined): Testcase {
  if (!id) throw new SamsvarError('bad_request', 'no test case id given; `samsvar testcases list` shows them');
  const tc = testcases.find((t) => t.id === id);
  if (!tc) throw new SamsvarError('not_found', `unknown test case '${id}'; \`samsvar testcases list\` shows the known ones`);
  return tc;
}

function format(value: string | undefined, allowed: string[]): string {
  const f = value ?? 'text';
  if (!allowed.includes(f))
    throw new SamsvarError('bad_request', `--format must be ${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}, not "${f}"`);
  return f;
}

function readInput(io: CliIo, file: string, what: string, maxBytes = Infinity): Buffer {
  try {
    const target = path.resolve(io.cwd, file);
    const size = statSync(target).size;
    if (size > maxBytes)
      throw new SamsvarError('bad_request', `${what} ${file} has ${size} bytes, more than the ${maxBytes} a message may have`);
    return readFileSync(target);
  } catch (e) {
    if (e instanceof SamsvarError) throw e;
    throw new SamsvarError('bad_request', `cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function list(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { profile: { type: 'string' }, format: { type: 'string' }, ...PROFILE_DIR },
  });
  if (positionals.length) throw new SamsvarError('bad_request', `unexpected argument '${positionals[0]}'\n${HELP}`);
  const fmt = format(values.format, ['text', 'json']);
  const { catalog, testcases } = load(io, values['profile-dir']);
  if (values.profile) catalog.require(values.profile);
  const shown = values.profile ? testcases.filter((t) => t.profile === values.profile) : testcases;
  const rows = shown.map((t) => ({
    id: t.id,
    profile: t.profile,
    kind: t.kind,
    direction: directionOf(t),
    optional: t.optional ?? false,
    ...(t.order !== undefined ? { order: t.order } : {}),
    requirements: t.requirements ?? [],
    title: t.title,
  }));
  if (fmt === 'json') {
    io.out(JSON.stringify({ testcases: rows }, null, 2));
    return 0;
  }
  const idWidth = Math.max(2, ...rows.map((r) => r.id.length)) + 2;
  const profileWidth = Math.max(7, ...rows.map((r) => r.profile.length)) + 2;
  io.out(
    [
      `${'ID'.padEnd(idWidth)}${'PROFILE'.padEnd(profileWidth)}${'KIND'.padEnd(9)}${'DIRECTION'.padEnd(11)}TITLE`,
      ...rows.map(
        (r) =>
          `${r.id.padEnd(idWidth)}${r.profile.padEnd(profileWidth)}${r.kind.padEnd(9)}${r.direction.padEnd(11)}${r.optional ? '(optional) ' : ''}${r.title}`,
      ),
      `${rows.length} test case(s)`,
    ].join('\n'),
  );
  return 0;
}

/** Word-wraps a paragraph for the terminal, keeping the indentation of the block it belongs to. */
function wrap(text: string, indent: string, width = 96): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines;
}

function assertionLines(a: Assertion): string[] {
  const out = [`  ${a.id} (${a.severity ?? 'error'})`, ...wrap(a.message, '    ')];
  if (isXPathAssertion(a)) {
    if (a.context) out.push(`    context: ${a.context}${a.optional ? ' (may be absent)' : ''}`);
    out.push(`    xpath:   ${a.xpath}`);
  } else {
    out.push(`    fhirpath: ${a.fhirpath}`);
  }
  if (a.reference) out.push(`    see ${a.reference}`);
  return out;
}

function show(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { format: { type: 'string' }, ...PROFILE_DIR } });
  const fmt = format(values.format, ['text', 'json']);
  if (positionals.length > 1) throw new SamsvarError('bad_request', `show takes one test case id, not ${positionals.length}`);
  const { catalog, testcases } = load(io, values['profile-dir']);
  const tc = find(testcases, positionals[0]);
  if (fmt === 'json') {
    const { source: _source, ...description } = tc;
    io.out(JSON.stringify(description, null, 2));
    return 0;
  }
  const system = tc.kind === 'live' ? 'serves a FHIR API' : directionOf(tc) === 'send' ? 'sends' : 'receives';
  const out = [
    `${tc.id}: ${tc.title}`,
    `profile ${tc.profile}, ${tc.kind} test case (the system ${system})${tc.optional ? ', optional: does not hold back the run' : ''}`,
  ];
  if (tc.requirements?.length) out.push(`covers ${tc.requirements.join(', ')}`);
  out.push('', 'What to do:', ...wrap(tc.description, '  '));
  const inRun = runRequirementsNb(tc.kind, null, catalog.get(tc.profile)?.manifest.kind);
  if (inRun) out.push(...wrap(inRun, '  '));
  out.push('');
  if (tc.kind === 'live') {
    out.push(
      `How samsvar decides: \`samsvar fhir-test BASEURL --testcase ${tc.id}\` (or the service) checks the CapabilityStatement, runs each step and validates every returned resource against ${tc.profile}; no step may have an error finding.`,
    );
    for (const p of tc.parameters ?? []) out.push(`  --param ${p.name}=${p.example ?? '…'}   ${p.description}`);
    tc.steps.forEach((step, i) =>
      out.push(
        'read' in step
          ? `  step ${i + 1}: read ${step.read.type}/${step.read.id}`
          : `  step ${i + 1}: search ${step.search.type} ${JSON.stringify(step.search.params)}`,
      ),
    );
    io.out(out.join('\n'));
    return 0;
  }
  if (tc.kind === 'submit') {
    out.push(
      `How samsvar decides: the submitted file must pass profile ${tc.profile} (schema, rules, code lists, identifiers)${tc.expect.assertions?.length ? ' and every error assertion below:' : '.'}`,
    );
  } else {
    const apprec = acceptedAppRecProfiles(tc, catalog).join(' or ');
    const type = templateMessageType(tc);
    out.push(
      `Message: samsvar generates a ${type ? `${type} message` : 'message'} per run from ${tc.message.template ? `template ${tc.message.template}` : 'the inline template'} (\`samsvar testcases generate ${tc.id}\`)${
        tc.message.defects ? `, deliberately breaking ${tc.message.defects.join(', ')} of profile ${tc.profile}` : ''
      }.`,
      `How samsvar decides: the AppRec must pass profile ${apprec} (the version it is written in), answer that message (OriginalMsgId/Id = its MsgId, OriginalMsgId/MsgType = ${type || 'its message type'}),`,
      `  and have Status V=${tc.expect.apprec.status.map((s) => `"${s}"${APPREC_STATUS[s] ? ` (${APPREC_STATUS[s]})` : ''}`).join(' or ')}${
        tc.expect.apprec.errorCodes?.length ? ` with Error V=${tc.expect.apprec.errorCodes.map((c) => `"${c}"`).join(', ')}` : ''
      }${tc.expect.assertions?.length ? '; and every error assertion below:' : '.'}`,
    );
  }
  for (const a of tc.expect.assertions ?? []) out.push(...assertionLines(a));
  io.out(out.join('\n'));
  return 0;
}

/** The generated message a receive check answers: its MsgId and type are what the AppRec must repeat. */
function generatedMessage(bytes: Buffer, file: string): { msgId: string; msgType: string; xml: string } {
  let head: { msgId: string; msgType: string };
  try {
    head = messageHeaderOf(bytes);
  } catch (e) {
    throw new SamsvarError('bad_request', `--message ${file}: ${e instanceof SamsvarError ? e.detail : (e as Error).message}`);
  }
  if (!head.msgId)
    throw new SamsvarError(
      'bad_request',
      `--message ${file} has no MsgId (Hodemelding MsgInfo/MsgId or Message/MsgId); give the message samsvar generated for this test case`,
    );
  // samsvar writes generated messages in UTF-8; the evaluation only reads ASCII header values from the text.
  return { ...head, xml: bytes.toString('utf8') };
}

const RUN_DATA_FLAGS = ['patient-fnr', 'patient-hnr', 'system-her-id', 'opened-at'] as const;

/** The run's test data from --run-data FILE or from the flags; undefined when neither is given. */
function runDataOf(io: CliIo, values: Record<string, string | undefined>): RunTestData | undefined {
  const flagged = RUN_DATA_FLAGS.filter((f) => values[f] !== undefined);
  if (values['run-data'] !== undefined) {
    if (flagged.length)
      throw new SamsvarError('bad_request', `give the run's data either with --run-data or with --${flagged[0]}, not both`);
    const text = readInput(io, values['run-data'], 'run-data').toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new SamsvarError('bad_request', `--run-data ${values['run-data']} is not JSON; save the answer of GET /api/v1/runs/{id}`);
    }
    return parseRunTestData(json);
  }
  if (flagged.length === 0) return undefined;
  return parseRunTestData({
    openedAt: values['opened-at'],
    patient: { fnr: values['patient-fnr'], hnr: values['patient-hnr'] ?? '' },
    systemParty: values['system-her-id'] ? { name: '', herId: values['system-her-id'] } : null,
  });
}

/** The sender and receiver HER-ids a generated Hodemelding names (none for a message sent on its own). */
function headerParties(xml: string): GeneratedParties | undefined {
  const header = withXml(xml, (parsed) => readMessageHeader(parsed));
  if (!header.senderHerIds?.values.length || !header.receiverHerIds?.values.length) return undefined;
  return { senderHerIds: header.senderHerIds.values, receiverHerIds: header.receiverHerIds.values };
}

async function check(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      message: { type: 'string' },
      format: { type: 'string' },
      'run-data': { type: 'string' },
      'patient-fnr': { type: 'string' },
      'patient-hnr': { type: 'string' },
      'system-her-id': { type: 'string' },
      'opened-at': { type: 'string' },
      ...PROFILE_DIR,
    },
  });
  const fmt = format(values.format, ['text', 'json', 'junit']);
  if (positionals.length !== 2) throw new SamsvarError('bad_request', `give a test case id and one file\n${HELP}`);
  const [id, file] = positionals;
  const { catalog, testcases } = load(io, values['profile-dir']);
  const tc = find(testcases, id);
  if (tc.kind === 'live')
    throw new SamsvarError(
      'bad_request',
      `${tc.id} is a live test case: it runs against a FHIR API, not a file; use \`samsvar fhir-test BASEURL --testcase ${tc.id}\``,
    );
  const bytes = readInput(io, file, 'file');
  const runData = runDataOf(io, values);

  let generated: { msgId: string; msgType: string; xml: string } | undefined;
  if (tc.kind === 'receive') {
    if (!values.message) {
      throw new SamsvarError(
        'bad_request',
        `test case ${tc.id} checks the AppRec your system answered a generated message with; give that message with --message GENERATED.xml (\`samsvar testcases generate ${tc.id} --out GENERATED.xml\` makes one)`,
      );
    }
    // Parsed here, outside the engine, so the engine's size limit is applied here too.
    generated = generatedMessage(readInput(io, values.message, 'message', DEFAULT_MAX_BYTES), values.message);
    const expectedType = templateMessageType(tc);
    if (expectedType && generated.msgType !== expectedType) {
      throw new SamsvarError(
        'bad_request',
        `--message ${values.message} is a ${generated.msgType || 'message without a message type'}, but test case ${tc.id} generates ${expectedType} messages`,
      );
    }
  } else if (values.message) {
    throw new SamsvarError(
      'bad_request',
      `--message is for receive test cases; ${tc.id} is a submit test case, so FILE is the message itself`,
    );
  }

  // The AppRec goes back from the generated message's receiver to its sender: the run's parties, or the Hodemelding's own.
  const parties = generated
    ? runData?.systemParty
      ? { senderHerIds: [...SAMSVAR_HER_IDS], receiverHerIds: [runData.systemParty.herId] }
      : headerParties(generated.xml)
    : undefined;
  const ctx: EvaluationContext = {
    ...(generated ? { generated: { msgId: generated.msgId, ...(parties ? { parties } : {}) } } : {}),
    ...(runData ? { run: runData } : {}),
  };
  const evaluated = await evaluateSubmission(tc, bytes, new Engine(catalog), ctx);
  const evaluation = {
    ...evaluated,
    ...withRefusals(
      evaluated.verdict,
      evaluated.findings,
      shippedFindings(sha256Hex(bytes), evaluated.identity, loadShippedEvidence(catalog)),
    ),
  };
  // A receive test case judges the AppRec, so that is the profile the file was checked against.
  const checkedAgainst = tc.kind === 'receive' ? (evaluation.validation.profile ?? acceptedAppRecProfiles(tc, catalog)[0]!) : tc.profile;
  const result: TestcaseCheckResult = {
    file,
    testcase: tc.id,
    profile: checkedAgainst,
    verdict: evaluation.verdict,
    findings: evaluation.findings,
  };
  if (fmt === 'json') {
    const v = evaluation.validation;
    io.out(
      JSON.stringify(
        {
          ...result,
          kind: tc.kind,
          ...(generated ? { answers: generated.msgId } : {}),
          validation: { profile: v.profile, profileVersion: v.profileVersion, valid: v.valid, detection: v.detection },
        },
        null,
        2,
      ),
    );
  } else if (fmt === 'junit') {
    io.out(renderTestcaseJunit([result]));
  } else {
    io.out(renderTestcaseText([result]));
  }
  return evaluation.verdict === 'passed' ? 0 : 1;
}

function generate(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      'run-id': { type: 'string' },
      'run-data': { type: 'string' },
      'receiver-her-id': { type: 'string' },
      'receiver-name': { type: 'string' },
      ...PROFILE_DIR,
    },
  });
  const runData = runDataOf(io, values);
  if (runData && values['receiver-her-id'])
    throw new SamsvarError('bad_request', "--run-data names the receiver (the system's party); leave out --receiver-her-id");
  if (positionals.length > 1) throw new SamsvarError('bad_request', `generate takes one test case id, not ${positionals.length}`);
  if (values['receiver-name'] && !values['receiver-her-id'])
    throw new SamsvarError('bad_request', '--receiver-name needs --receiver-her-id');
  const { testcases } = load(io, values['profile-dir']);
  const tc = find(testcases, positionals[0]);
  const receiver =
    runData?.systemParty ??
    (values['receiver-her-id']
      ? { herId: values['receiver-her-id'], name: values['receiver-name'] ?? DEFAULT_TEST_RECEIVER.name }
      : undefined);
  const message = generateReceiveMessage(tc, {
    runId: values['run-id'] ?? (runData?.runId || 'local'),
    receiver,
    runPatient: runData?.patient,
  });
  if (values.out) {
    const target = path.resolve(io.cwd, values.out);
    try {
      writeFileSync(target, message.xml);
    } catch (e) {
      throw new SamsvarError('bad_request', `cannot write ${values.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  } else {
    io.out(message.xml);
  }
  io.err(
    `MsgId ${message.msgId} (${message.msgType}, patient ${message.patient.givenName} ${message.patient.familyName}, fødselsnummer ${message.patient.fnr})`,
  );
  return 0;
}

const KINDS: TestcaseKind[] = ['submit', 'receive', 'live'];

function writeNew(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { profile: { type: 'string' }, kind: { type: 'string' }, id: { type: 'string' }, dir: { type: 'string' } },
  });
  if (positionals.length) throw new SamsvarError('bad_request', `unexpected argument '${positionals[0]}'\n${HELP}`);
  if (!values.profile || !values.kind || !values.id) throw new SamsvarError('bad_request', `new needs --profile, --kind and --id\n${HELP}`);
  if (!KINDS.includes(values.kind as TestcaseKind))
    throw new SamsvarError('bad_request', `--kind must be submit, receive or live, not "${values.kind}"`);
  const { catalog, testcases } = load(io);
  const dir = path.resolve(io.cwd, values.dir ?? 'testcases');
  const others = existsSync(dir) ? loadTestcases(dir, catalog) : [];
  const scaffold = scaffoldTestcase({ id: values.id, profile: values.profile, kind: values.kind as TestcaseKind }, catalog, [
    ...testcases,
    ...others,
  ]);
  const file = path.join(dir, `${values.id}.json`);
  // Editors resolve $schema relative to the file: point it at the schema this installation ships.
  scaffold.testcase.$schema = path
    .relative(dir, path.join(PACKAGE_ROOT, 'schemas', 'testcase.schema.json'))
    .split(path.sep)
    .join('/');
  if (existsSync(file)) throw new SamsvarError('conflict', `${file} exists already`);
  const template = scaffold.template ? path.join(dir, 'templates', scaffold.template.name) : undefined;
  if (template && existsSync(template)) throw new SamsvarError('conflict', `${template} exists already`);
  const reused = scaffold.testcase.message as { template?: string } | undefined;
  if (reused?.template && !template && !existsSync(path.join(dir, 'templates', reused.template))) {
    // The template lives beside the shipped test cases; a test case elsewhere gets its own copy to edit.
    mkdirSync(path.join(dir, 'templates'), { recursive: true });
    writeFileSync(
      path.join(dir, 'templates', reused.template),
      readFileSync(path.join(SHIPPED_TESTCASES_DIR, 'templates', reused.template)),
    );
  }
  mkdirSync(path.dirname(template ?? file), { recursive: true });
  if (template) writeFileSync(template, scaffold.template!.xml);
  writeFileSync(file, JSON.stringify(scaffold.testcase, null, 2) + '\n');
  try {
    loadTestcaseFile(file, catalog, dir);
  } catch (e) {
    // Never leave a skeleton behind that the service would refuse at start.
    rmSync(file, { force: true });
    if (template) rmSync(template, { force: true });
    throw e;
  }
  io.out(file);
  if (template) io.out(template);
  io.err(
    `wrote ${values.kind} test case ${values.id} for ${values.profile}: replace every TODO, then \`samsvar testcases show ${values.id}\``,
  );
  return 0;
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '--help' || sub === '-h' || rest.includes('--help') || rest.includes('-h')) {
    io.out(HELP);
    return sub ? 0 : 2;
  }
  switch (sub) {
    case 'list':
      return list(rest, io);
    case 'show':
      return show(rest, io);
    case 'check':
      return check(rest, io);
    case 'generate':
      return generate(rest, io);
    case 'new':
      return writeNew(rest, io);
    case 'schema':
      io.out(JSON.stringify(publishedTestcaseSchema(), null, 2));
      return 0;
    default:
      throw new SamsvarError('bad_request', `unknown subcommand '${sub}'\n${HELP}`);
  }
}
