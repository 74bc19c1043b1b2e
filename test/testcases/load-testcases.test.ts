import { afterAll, describe, expect, it } from 'vitest';
import { SamsvarError } from '../../src/core/samsvar-error.js';
import { loadTestcases, testcasesForProfile } from '../../src/testcases/load-testcases.js';
import type { Testcase } from '../../src/testcases/testcase.js';
import { dirWith, fakeCatalog, removeMadeDirs, shippedEngine, XML_PROFILES } from './helpers.js';

afterAll(removeMadeDirs);

const submit = (over: Record<string, unknown> = {}) => ({
  id: 'tc-one',
  profile: 'dialogmelding-1.1-foresporsel',
  kind: 'submit',
  direction: 'send',
  title: 'Send forespørsel',
  description: 'Send a forespørsel about a synthetic patient and upload it.',
  expect: { assertions: [{ id: 'A1', xpath: "/mh:MsgHead/mh:MsgInfo/mh:Type/@V = 'DIALOG_FORESPORSEL'", message: 'wrong type' }] },
  ...over,
});

const receive = (over: Record<string, unknown> = {}) => ({
  id: 'tc-receive',
  profile: 'dialogmelding-1.1-foresporsel',
  kind: 'receive',
  direction: 'receive',
  title: 'Motta forespørsel',
  description: 'Import the generated message and upload the AppRec your system produced.',
  message: { template: 'msg.xml' },
  expect: { apprec: { status: ['1'] } },
  ...over,
});

const catalog = fakeCatalog({ 'dialogmelding-1.1-foresporsel': 'xml', 'apprec-1.0': 'xml', 'no-basis-patient': 'fhir' });

function refusal(dir: string, withCatalog = true): SamsvarError {
  try {
    loadTestcases(dir, withCatalog ? catalog : undefined);
  } catch (e) {
    expect(e).toBeInstanceOf(SamsvarError);
    return e as SamsvarError;
  }
  throw new Error('expected the test cases to be refused');
}

describe('the shipped test cases', () => {
  const shipped = loadTestcases();

  it('have at least three test cases for every shipped XML profile', () => {
    for (const profile of XML_PROFILES) expect(testcasesForProfile(shipped, profile).length, profile).toBeGreaterThanOrEqual(3);
  });

  it('include a receive test case for Dialogmelding, with its message template resolved', () => {
    const receiving = shipped.filter((tc) => tc.kind === 'receive' && tc.profile.startsWith('dialogmelding-'));
    expect(receiving.length).toBeGreaterThanOrEqual(1);
    for (const tc of receiving) if (tc.kind === 'receive') expect(tc.message.xml).toContain('{{msgId}}');
  });

  it('pair kind and direction: submit means the system sends, receive means it receives', () => {
    for (const tc of shipped) expect(tc.direction).toBe(tc.kind === 'submit' ? 'send' : 'receive');
  });

  it('give every test case a description a vendor can act on and a source file', () => {
    for (const tc of shipped) {
      expect(tc.description.length, tc.id).toBeGreaterThan(80);
      expect(tc.source).toMatch(/\.json$/);
    }
  });

  const engine = shippedEngine(XML_PROFILES);
  it.skipIf(!engine)('name profiles that exist in the shipped catalog and fit their assertions', () => {
    expect(() => loadTestcases(undefined, engine!.catalog)).not.toThrow();
  });
});

describe('loading test case files', () => {
  it('loads a submit and a receive test case', () => {
    const dir = dirWith({ 'a.json': submit(), 'b.json': receive(), 'templates/msg.xml': '<MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24"><MsgId>{{msgId}}</MsgId></MsgHead>' });
    const tcs: Testcase[] = loadTestcases(dir, catalog);
    expect(tcs.map((t) => t.id)).toEqual(['tc-one', 'tc-receive']);
  });

  it('reads only *.json files at the top of the directory', () => {
    const dir = dirWith({ 'a.json': submit(), 'README.md': '# notes', 'fhir-live/x.json': { not: 'a test case' } });
    expect(loadTestcases(dir, catalog)).toHaveLength(1);
  });

  it('refuses a file that is not JSON, naming the file', () => {
    const e = refusal(dirWith({ 'broken.json': '{ "id": ' }));
    expect(e.detail).toMatch(/broken\.json: not valid JSON/);
  });

  it('refuses a file that breaks the schema, naming the file and the problem', () => {
    const e = refusal(dirWith({ 'x.json': submit({ title: '' }) }));
    expect(e.code).toBe('unprocessable');
    expect(e.detail).toMatch(/x\.json is not a valid test case: \/title must NOT have fewer than 1 characters/);
  });

  it('refuses an unknown property rather than ignoring a typo', () => {
    const e = refusal(dirWith({ 'x.json': submit({ expcet: {} }) }));
    expect(e.detail).toMatch(/unknown property 'expcet'/);
  });

  it('refuses a kind and direction that contradict each other', () => {
    const e = refusal(dirWith({ 'x.json': submit({ direction: 'receive' }) }));
    expect(e.detail).toMatch(/\/direction must be equal to constant/);
  });

  it('refuses two files with the same id', () => {
    const e = refusal(dirWith({ 'a.json': submit(), 'b.json': submit() }));
    expect(e.code).toBe('conflict');
    expect(e.detail).toMatch(/tc-one is defined both in .*a\.json and .*b\.json/);
  });

  it('refuses a profile the catalog does not have', () => {
    const e = refusal(dirWith({ 'x.json': submit({ profile: 'henvisning-2.0' }) }));
    expect(e.detail).toMatch(/x\.json: profile 'henvisning-2.0' is not in the catalog/);
  });

  it('loads without a catalog when none is given (the profiles are then not checked)', () => {
    expect(loadTestcases(dirWith({ 'x.json': submit({ profile: 'henvisning-2.0' }) }))).toHaveLength(1);
  });

  it('refuses an XPath that does not compile', () => {
    const e = refusal(dirWith({ 'x.json': submit({ expect: { assertions: [{ id: 'A1', xpath: '/mh:MsgHead[', message: 'm' }] } }) }));
    expect(e.detail).toMatch(/assertion A1: XPath '\/mh:MsgHead\[' is not valid/);
  });

  it('refuses an XPath with a prefix that is not declared', () => {
    const e = refusal(dirWith({ 'x.json': submit({ expect: { assertions: [{ id: 'A1', xpath: '/nope:MsgHead', message: 'm' }] } }) }));
    expect(e.detail).toMatch(/assertion A1: XPath '\/nope:MsgHead' is not valid/);
  });

  it('accepts a prefix the test case declares itself', () => {
    const tc = submit({ namespaces: { h: 'http://www.kith.no/xmlstds/henvisning' }, expect: { assertions: [{ id: 'A1', xpath: '/h:Henvisning', message: 'm' }] } });
    expect(loadTestcases(dirWith({ 'x.json': tc }), catalog)).toHaveLength(1);
  });

  it('refuses a FHIRPath that does not compile', () => {
    const tc = submit({ profile: 'no-basis-patient', expect: { assertions: [{ id: 'F1', fhirpath: 'identifier.where(', message: 'm' }] } });
    expect(refusal(dirWith({ 'x.json': tc })).detail).toMatch(/assertion F1: FHIRPath 'identifier.where\(' is not valid/);
  });

  it('refuses XPath on a FHIR profile and FHIRPath on an XML profile', () => {
    const xpathOnFhir = submit({ profile: 'no-basis-patient' });
    expect(refusal(dirWith({ 'x.json': xpathOnFhir })).detail).toMatch(/uses XPath, but profile no-basis-patient validates FHIR/);
    const fhirpathOnXml = submit({ expect: { assertions: [{ id: 'F1', fhirpath: 'true', message: 'm' }] } });
    expect(refusal(dirWith({ 'x.json': fhirpathOnXml })).detail).toMatch(/uses FHIRPath, but profile dialogmelding-1.1-foresporsel validates XML/);
  });

  it('refuses two assertions with the same id in one test case', () => {
    const a = { id: 'A1', xpath: 'true()', message: 'm' };
    expect(refusal(dirWith({ 'x.json': submit({ expect: { assertions: [a, a] } }) })).detail).toMatch(/assertion id A1 is used twice/);
  });

  it('refuses a receive test case whose template is missing', () => {
    expect(refusal(dirWith({ 'x.json': receive() })).detail).toMatch(/template msg\.xml does not exist/);
  });

  it('refuses a template name that tries to leave the templates directory', () => {
    const e = refusal(dirWith({ 'x.json': receive({ message: { template: '../../etc/passwd.xml' } }) }));
    expect(e.detail).toMatch(/\/message\/template must match pattern/);
  });

  it('refuses a template with an unknown placeholder or with a DOCTYPE', () => {
    const typo = dirWith({ 'x.json': receive(), 'templates/msg.xml': '<MsgHead><MsgId>{{msgID}}</MsgId></MsgHead>' });
    expect(refusal(typo).detail).toMatch(/unknown placeholders: \{\{msgID\}\}/);
    const doctype = dirWith({ 'x.json': receive({ message: { xml: '<!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>' } }) });
    expect(refusal(doctype).detail).toMatch(/DOCTYPE/);
  });

  it('takes a message as a template or inline, not both, and defects only as rule ids', () => {
    const both = dirWith({ 'x.json': receive({ message: { template: 'msg.xml', xml: '<x/>' } }), 'templates/msg.xml': '<x/>' });
    expect(refusal(both).detail).toMatch(/\/message must NOT be valid/);
    const lower = dirWith({ 'x.json': receive({ message: { xml: '<x/>', defects: ['missing patient'] } }) });
    expect(refusal(lower).detail).toMatch(/\/message\/defects\/0 must match pattern/);
    const ok = dirWith({ 'x.json': receive({ message: { xml: '<x/>', defects: ['EPI-0005', 'XSD'] } }) });
    expect(loadTestcases(ok, catalog)[0]).toMatchObject({ message: { defects: ['EPI-0005', 'XSD'] } });
  });

  it('refuses a receive test case on a FHIR profile', () => {
    const dir = dirWith({ 'x.json': receive({ profile: 'no-basis-patient', message: { xml: '<x/>' } }) });
    expect(refusal(dir).detail).toMatch(/receive test cases generate XML messages/);
  });

  it('says when the directory does not exist', () => {
    expect(() => loadTestcases('/nonexistent/testcases')).toThrow(/does not exist/);
  });
});
