import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { buildAppRec, TEST_SYSTEM_HER_ID } from '../../helpers/kith-messages.js';
import { runMessage } from '../../helpers/run-messages.js';
import { drawRunTestData } from '../../../src/testcases/run-data.js';
import { runCli } from '../../helpers/cli-run.js';

const PROFILES = path.resolve(import.meta.dirname, '../../../profiles');
const HELSEFAGLIG = path.join(PROFILES, 'dialogmelding-1.1-helsefaglig', 'examples');
const dir = mkdtempSync(path.join(tmpdir(), 'samsvar-testcases-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** No imported profiles: the shipped catalog, as on a fresh vendor CI machine. */
const env = { SAMSVAR_DATA: path.join(dir, 'data') };
const cli = (...args: string[]) => runCli(['testcases', ...args], env, dir);

function file(name: string, content: string): string {
  writeFileSync(path.join(dir, name), content);
  return name;
}

describe('samsvar testcases list', () => {
  it('lists every shipped test case with id, profile, kind, direction and title', async () => {
    const r = await cli('list');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+PROFILE\s+KIND\s+DIRECTION\s+TITLE$/);
    expect(r.stdout).toMatch(
      /dialogmelding-1\.1-helsefaglig-mottak\s+dialogmelding-1\.1-helsefaglig\s+receive\s+receive\s+Motta helsefaglig dialog og kvitter/,
    );
    expect(r.stdout).toMatch(/apprec-1\.0-ok\s+apprec-1\.0\s+submit\s+send\s+/);
    expect(lines.at(-1)).toMatch(/^\d+ test case\(s\)$/);
  });

  it('filters by profile and writes JSON for scripts', async () => {
    const r = await cli('list', '--profile', 'dialogmelding-1.1-helsefaglig', '--format', 'json');
    expect(r.code).toBe(0);
    const { testcases } = JSON.parse(r.stdout) as {
      testcases: { id: string; profile: string; kind: string; direction: string; title: string }[];
    };
    expect(testcases.map((t) => t.id)).toEqual([
      'dialogmelding-1.1-helsefaglig-mottak',
      'dialogmelding-1.1-helsefaglig-send',
      'dialogmelding-1.1-helsefaglig-svar',
    ]);
    expect(testcases[0]).toEqual({
      id: 'dialogmelding-1.1-helsefaglig-mottak',
      profile: 'dialogmelding-1.1-helsefaglig',
      kind: 'receive',
      direction: 'receive',
      optional: false,
      requirements: [],
      title: 'Motta helsefaglig dialog og kvitter',
    });
  });

  it('refuses an unknown profile and an unknown format with exit 2', async () => {
    expect(await cli('list', '--profile', 'no-such-profile')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("unknown profile 'no-such-profile'"),
    });
    expect(await cli('list', '--format', 'xml')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--format must be text or json'),
    });
  });
});

describe('samsvar testcases show', () => {
  it('prints what the vendor must do and every assertion with its XPath', async () => {
    const r = await cli('show', 'dialogmelding-1.1-helsefaglig-svar');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('dialogmelding-1.1-helsefaglig-svar: Svar på helsefaglig dialog');
    expect(r.stdout).toContain('profile dialogmelding-1.1-helsefaglig, submit test case (the system sends)');
    expect(r.stdout).toMatch(/What to do:\n {2}Svar i systemet på en mottatt helsefaglig dialog/);
    expect(r.stdout).toContain('must pass profile dialogmelding-1.1-helsefaglig');
    expect(r.stdout).toContain('TC-DLGHS-CONVERSATION (error)');
    expect(r.stdout).toContain('context: /mh:MsgHead/mh:MsgInfo');
    expect(r.stdout).toContain("xpath:   normalize-space(mh:ConversationRef/mh:RefToParent) != ''");
  });

  it('says for a receive test case which message is generated and what the AppRec must say', async () => {
    const r = await cli('show', 'dialogmelding-1.1-helsefaglig-mottak');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('samsvar generates a DIALOG_HELSEFAGLIG message per run from template dialogmelding-helsefaglig.xml');
    expect(r.stdout).toContain('Status V="1" (OK)');
  });

  it('gives the test description as JSON', async () => {
    const r = await cli('show', 'apprec-1.0-avvist', '--format', 'json');
    expect(r.code).toBe(0);
    const tc = JSON.parse(r.stdout) as { id: string; kind: string; expect: { assertions: unknown[] }; source?: string };
    expect(tc).toMatchObject({ id: 'apprec-1.0-avvist', kind: 'submit' });
    expect(tc.expect.assertions.length).toBeGreaterThan(0);
    expect(tc.source).toBeUndefined();
  });

  it('exits 2 for an unknown or missing test case id', async () => {
    expect(await cli('show', 'no-such-case')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("unknown test case 'no-such-case'"),
    });
    expect((await cli('show')).code).toBe(2);
  });
});

describe('samsvar testcases check, submit test cases', () => {
  const example = (kind: string, name: string) => path.join(HELSEFAGLIG, kind, name);
  /** A shipped example with a MsgId of its own: no longer the shipped file, so it is judged on its content. */
  const fresh = (name: string) =>
    file(`fresh-${name}`, readFileSync(example('valid', name), 'utf8').replace(/<MsgId>[^<]*<\/MsgId>/, `<MsgId>${randomUUID()}</MsgId>`));

  it('passes a message that meets the profile and every assertion (exit 0)', async () => {
    const r = await cli('check', 'dialogmelding-1.1-helsefaglig-send', fresh('helsefaglig-henvendelse.xml'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /helsefaglig-henvendelse\.xml: PASSED test case dialogmelding-1\.1-helsefaglig-send \(checked against dialogmelding-1\.1-helsefaglig\)/,
    );
    expect(r.stdout).toContain('1 check(s): 1 passed, 0 failed');
  });

  it('refuses a file shipped with samsvar as evidence, as the service does (exit 1)', async () => {
    const r = await cli('check', 'dialogmelding-1.1-helsefaglig-send', example('valid', 'helsefaglig-henvendelse.xml'), '--format', 'json');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { verdict: string; findings: { ruleId: string; message: string }[] };
    expect(out.findings.find((f) => f.ruleId === 'EVIDENCE-SHIPPED')!.message).toContain(
      'profiles/dialogmelding-1.1-helsefaglig/examples/valid/helsefaglig-henvendelse.xml',
    );
  });

  it("judges with the run's data as the service does: its patient, the system's party to samsvar's, GenDate in the run", async () => {
    const data = drawRunTestData('run-x', new Date(Date.now() - 60_000).toISOString(), { name: 'EPJ 1.0', herId: TEST_SYSTEM_HER_ID });
    const runData = file('run.json', JSON.stringify({ id: 'run-x', testData: data }));
    const own = file('own.xml', runMessage('dialogmelding-helsefaglig.xml', data));
    expect((await cli('check', 'dialogmelding-1.1-helsefaglig-send', own, '--run-data', runData)).code).toBe(0);
    const other = drawRunTestData('run-y', data.openedAt, data.systemParty);
    const wrong = file(
      'wrong.xml',
      runMessage('dialogmelding-helsefaglig.xml', { ...data, patient: other.patient }, { senderHerId: '8999955' }),
    );
    const r = await cli('check', 'dialogmelding-1.1-helsefaglig-send', wrong, '--run-data', runData, '--format', 'json');
    expect(r.code).toBe(1);
    const ids = (JSON.parse(r.stdout) as { findings: { ruleId: string }[] }).findings.map((f) => f.ruleId);
    expect(ids).toEqual(expect.arrayContaining(['RUN-PATIENT', 'RUN-SENDER']));
    // The flags say the same as the file.
    const flags = await cli(
      'check',
      'dialogmelding-1.1-helsefaglig-send',
      wrong,
      '--patient-fnr',
      data.patient.fnr,
      '--system-her-id',
      TEST_SYSTEM_HER_ID,
      '--opened-at',
      data.openedAt,
    );
    expect(flags.code).toBe(1);
    expect(flags.stdout).toContain('RUN-SENDER');
    expect(
      (await cli('check', 'dialogmelding-1.1-helsefaglig-send', own, '--run-data', runData, '--patient-fnr', data.patient.fnr)).code,
    ).toBe(2);
  });

  it('fails a profile-valid message that misses an assertion, naming it (exit 1)', async () => {
    // A new enquiry is a valid helsefaglig dialog, but not an answer: it has no ConversationRef.
    const r = await cli('check', 'dialogmelding-1.1-helsefaglig-svar', fresh('helsefaglig-henvendelse.xml'), '--format', 'json');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as {
      verdict: string;
      kind: string;
      validation: { valid: boolean; profile: string };
      findings: { ruleId: string; layer: string; xpath?: string }[];
    };
    expect(out).toMatchObject({ verdict: 'failed', kind: 'submit', validation: { valid: true, profile: 'dialogmelding-1.1-helsefaglig' } });
    expect(out.findings.filter((f) => f.layer === 'testcase')).toEqual([
      expect.objectContaining({
        ruleId: 'TC-DLGHS-CONVERSATION',
        xpath: '/MsgHead/MsgInfo',
        line: expect.any(Number),
        column: expect.any(Number),
      }),
    ]);
  });

  it('fails a message the profile rejects and reports the rule in JUnit for CI', async () => {
    const r = await cli('check', 'dialogmelding-1.1-helsefaglig-send', example('invalid', 'DLG-0305--empty-text.xml'), '--format', 'junit');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuite name="samsvar testcases" tests="1" failures="1" errors="0">/,
    );
    expect(r.stdout).toMatch(
      /<testcase name="[^"]*DLG-0305--empty-text\.xml" classname="dialogmelding-1\.1-helsefaglig-send">\n {4}<failure message="\d+ error finding\(s\)" type="samsvar">[^<]*DLG-0305 /,
    );
  });

  it('checks the artifact against the test case profile, whatever the document claims to be', async () => {
    const notat = path.join(PROFILES, 'dialogmelding-1.1-notat', 'examples', 'valid', 'notat-om-pasient.xml');
    const r = await cli('check', 'dialogmelding-1.1-helsefaglig-send', notat);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('DLG-0301');
    expect(r.stdout).toContain('TC-DLGH-NOTAT');
  });

  it('exits 2 on a missing file, extra arguments or --message for a submit test case', async () => {
    expect(await cli('check', 'dialogmelding-1.1-helsefaglig-send', 'nope.xml')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('cannot read file nope.xml: ENOENT'),
    });
    expect((await cli('check', 'dialogmelding-1.1-helsefaglig-send')).code).toBe(2);
    const withMessage = await cli(
      'check',
      'dialogmelding-1.1-helsefaglig-send',
      example('valid', 'helsefaglig-henvendelse.xml'),
      '--message',
      'x.xml',
    );
    expect(withMessage).toMatchObject({ code: 2, stderr: expect.stringContaining('--message is for receive test cases') });
  });

  it('reports hostile input as a finding, not a crash', async () => {
    const bomb = file('bomb.xml', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><x>&b;</x>');
    const r = await cli('check', 'dialogmelding-1.1-helsefaglig-send', bomb, '--format', 'json');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { findings: { layer: string; severity: string }[] };
    expect(out.findings.some((f) => f.layer === 'syntax' && f.severity === 'error')).toBe(true);
  });
});

describe('samsvar testcases generate and check, receive test cases', () => {
  it('generates the message to import, with its MsgId on stderr, valid against the profile', async () => {
    const r = await cli(
      'generate',
      'dialogmelding-1.1-helsefaglig-mottak',
      '--run-id',
      'ci-7',
      '--receiver-her-id',
      '8123456',
      '--receiver-name',
      'Testkommune EPJ',
    );
    expect(r.code).toBe(0);
    const msgId = /MsgId (\S+) \(DIALOG_HELSEFAGLIG, patient /.exec(r.stderr)?.[1];
    expect(msgId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(r.stdout).toContain(`<MsgId>${msgId}</MsgId>`);
    expect(r.stdout).toContain('<Id>8123456</Id>');
    expect(r.stdout).toContain('<OrganisationName>Testkommune EPJ</OrganisationName>');
    expect(r.stdout).toContain('(samsvar-test ci-7)');
    const saved = file('generated-stdout.xml', r.stdout);
    const validated = await runCli(['validate', saved, '--profile', 'dialogmelding-1.1-helsefaglig'], env, dir);
    expect(validated.code).toBe(0);
  });

  it('checks the AppRec the system answered with against the generated message', async () => {
    const gen = await cli('generate', 'dialogmelding-1.1-helsefaglig-mottak', '--out', 'generated.xml');
    expect(gen).toMatchObject({ code: 0, stdout: '' });
    const msgId = /MsgId (\S+)/.exec(gen.stderr)![1]!;
    expect(readFileSync(path.join(dir, 'generated.xml'), 'utf8')).toContain(`<MsgId>${msgId}</MsgId>`);

    const ok = file('apprec-ok.xml', buildAppRec({ status: '1', originalMsgId: msgId, originalMsgType: 'DIALOG_HELSEFAGLIG' }));
    const passed = await cli('check', 'dialogmelding-1.1-helsefaglig-mottak', ok, '--message', 'generated.xml');
    expect(passed.stdout).toContain('apprec-ok.xml: PASSED test case dialogmelding-1.1-helsefaglig-mottak (checked against apprec-1.0)');
    expect(passed.code).toBe(0);

    const ok11 = file(
      'apprec-ok-1.1.xml',
      buildAppRec({ status: '1', originalMsgId: msgId, originalMsgType: 'DIALOG_HELSEFAGLIG', version: '1.1' }),
    );
    const passed11 = await cli('check', 'dialogmelding-1.1-helsefaglig-mottak', ok11, '--message', 'generated.xml');
    expect(passed11.stdout).toContain(
      'apprec-ok-1.1.xml: PASSED test case dialogmelding-1.1-helsefaglig-mottak (checked against apprec-1.1)',
    );

    const avvist = file(
      'apprec-avvist.xml',
      buildAppRec({ status: '2', errors: [{ v: 'X99', dn: 'Annen feil' }], originalMsgId: msgId, originalMsgType: 'DIALOG_HELSEFAGLIG' }),
    );
    const failed = await cli('check', 'dialogmelding-1.1-helsefaglig-mottak', avvist, '--message', 'generated.xml', '--format', 'json');
    expect(failed.code).toBe(1);
    const out = JSON.parse(failed.stdout) as { verdict: string; answers: string; findings: { ruleId: string }[] };
    expect(out).toMatchObject({ verdict: 'failed', answers: msgId });
    expect(out.findings.map((f) => f.ruleId)).toContain('RCV-STATUS');

    const otherMessage = file(
      'apprec-other.xml',
      buildAppRec({ status: '1', originalMsgId: '00000000-0000-4000-8000-000000000000', originalMsgType: 'DIALOG_HELSEFAGLIG' }),
    );
    const wrongId = await cli('check', 'dialogmelding-1.1-helsefaglig-mottak', otherMessage, '--message', 'generated.xml');
    expect(wrongId.code).toBe(1);
    expect(wrongId.stdout).toContain('RCV-ORIGINAL-MSGID');
  });

  it('needs --message, and refuses one that this test case does not generate (exit 2)', async () => {
    const apprec = file('apprec.xml', buildAppRec({ status: '1', originalMsgId: '00000000-0000-4000-8000-000000000000' }));
    expect(await cli('check', 'dialogmelding-1.1-helsefaglig-mottak', apprec)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--message GENERATED.xml'),
    });

    const notat = path.join(PROFILES, 'dialogmelding-1.1-notat', 'examples', 'valid', 'notat-om-pasient.xml');
    const wrongType = await cli('check', 'dialogmelding-1.1-helsefaglig-mottak', apprec, '--message', notat);
    expect(wrongType).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(
        'is a DIALOG_NOTAT, but test case dialogmelding-1.1-helsefaglig-mottak generates DIALOG_HELSEFAGLIG messages',
      ),
    });

    const noMsgId = file('not-a-message.xml', '<x/>');
    expect(await cli('check', 'dialogmelding-1.1-helsefaglig-mottak', apprec, '--message', noMsgId)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('has no MsgId'),
    });
  });

  it('treats a hostile --message file as a usage error with a reason: no entity expansion, no unbounded read', async () => {
    const apprec = file('apprec-h.xml', buildAppRec({ status: '1', originalMsgId: '00000000-0000-4000-8000-000000000000' }));
    const doctype = file('doctype.xml', '<!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><m>&x;</m>');
    expect(await cli('check', 'dialogmelding-1.1-helsefaglig-mottak', apprec, '--message', doctype)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('DOCTYPE'),
    });
    const huge = file('huge.xml', '');
    truncateSync(path.join(dir, huge), 26 * 1024 * 1024);
    expect(await cli('check', 'dialogmelding-1.1-helsefaglig-mottak', apprec, '--message', huge)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('more than the 26214400 a message may have'),
    });
  });

  it('generates only for receive test cases, and only for a valid receiver HER-id', async () => {
    expect(await cli('generate', 'dialogmelding-1.1-helsefaglig-send')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('only receive test cases have a generated message'),
    });
    expect(await cli('generate', 'dialogmelding-1.1-helsefaglig-mottak', '--receiver-her-id', 'abc')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("receiver HER-id 'abc'"),
    });
  });
});

describe('samsvar testcases usage', () => {
  it('prints help with exit 0 when asked and exit 2 for nothing or an unknown subcommand', async () => {
    expect(await cli('--help')).toMatchObject({ code: 0, stdout: expect.stringContaining('samsvar testcases check ID FILE') });
    expect((await cli()).code).toBe(2);
    expect(await cli('frobnicate')).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown subcommand 'frobnicate'") });
  });
});

describe('samsvar testcases new and schema', () => {
  const authored = path.join(dir, 'authored');

  it.each([
    ['submit', 'dialogmelding-1.1-foresporsel', 'ny-foresporsel-1'],
    ['submit', 'no-basis-patient', 'ny-pasient-1'],
    ['receive', 'dialogmelding-1.1-helsefaglig', 'ny-helsefaglig-mottak'],
    ['receive', 'msghead-1.2', 'ny-hodemelding-mottak'],
    ['live', 'no-basis-patient', 'ny-pasient-live'],
  ])('scaffolds a %s test case for %s that loads, with bokmål placeholder texts', async (kind, profile, id) => {
    const r = await cli('new', '--profile', profile, '--kind', kind, '--id', id, '--dir', authored);
    expect(r.code, r.stderr).toBe(0);
    const written = JSON.parse(readFileSync(path.join(authored, `${id}.json`), 'utf8')) as Record<string, unknown>;
    expect(written).toMatchObject({ id, profile, kind });
    expect(written.title).toMatch(/^TODO: kort tittel/);
    expect(written).not.toHaveProperty('direction');
    expect(path.resolve(authored, written.$schema as string)).toBe(
      path.resolve(import.meta.dirname, '../../../schemas/testcase.schema.json'),
    );
    const { loadTestcaseFile } = await import('../../../src/testcases/load-testcases.js');
    const { loadCatalog } = await import('../../../src/profiles/catalog.js');
    expect(loadTestcaseFile(path.join(authored, `${id}.json`), loadCatalog({ importedDir: path.join(dir, 'none') }), authored).id).toBe(id);
  });

  it('refuses an existing id, an unknown profile and a kind the profile cannot have', async () => {
    expect((await cli('new', '--profile', 'apprec-1.0', '--kind', 'submit', '--id', 'apprec-1.0-ok', '--dir', authored)).stderr).toMatch(
      /exists already/,
    );
    const unknown = await cli('new', '--profile', 'no-such', '--kind', 'submit', '--id', 'x-1', '--dir', authored);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown profile 'no-such'/);
    expect((await cli('new', '--profile', 'no-basis-patient', '--kind', 'receive', '--id', 'x-2', '--dir', authored)).stderr).toMatch(
      /profile no-basis-patient is FHIR/,
    );
    expect((await cli('new', '--profile', 'apprec-1.0', '--kind', 'send', '--id', 'x-3', '--dir', authored)).stderr).toMatch(
      /--kind must be submit, receive or live/,
    );
  });

  it('prints testcase.schema.json exactly as the repository holds it', async () => {
    const r = await cli('schema');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(
      JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../../schemas/testcase.schema.json'), 'utf8')),
    );
  });
});
