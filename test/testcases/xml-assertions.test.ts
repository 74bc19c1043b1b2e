import { describe, expect, it } from 'vitest';
import { DEFAULT_NAMESPACES, type XPathAssertion } from '../../src/testcases/testcase.js';
import { evaluateXPathAssertions } from '../../src/testcases/xml-assertions.js';
import { withXml } from '../../src/xml/read-xml.js';

const MESSAGE = `<?xml version="1.0" encoding="UTF-8"?>
<MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24">
  <MsgInfo>
    <Type V="DIALOG_NOTAT" DN="Notat"/>
    <MsgId>b3f1</MsgId>
    <Patient>
      <FamilyName>Testesen</FamilyName>
      <Ident><Id>12345</Id><TypeId V="XXX"/></Ident>
      <Ident><Id>67890</Id><TypeId V="YYY"/></Ident>
    </Patient>
  </MsgInfo>
</MsgHead>`;

function run(...assertions: XPathAssertion[]) {
  return withXml(MESSAGE, (xml) => evaluateXPathAssertions(xml, assertions, { ...DEFAULT_NAMESPACES }));
}

describe('XPath assertions', () => {
  it('hold silently: no finding when the test is true', () => {
    expect(run({ id: 'A', xpath: "/mh:MsgHead/mh:MsgInfo/mh:Type/@V = 'DIALOG_NOTAT'", message: 'm' })).toEqual([]);
  });

  it('report a failed assertion as a testcase finding with its id, at the root element, located as the engine locates', () => {
    const [f] = run({ id: 'TC-TYPE', xpath: "/mh:MsgHead/mh:MsgInfo/mh:Type/@V = 'DIALOG_SVAR'", message: 'MsgInfo/Type must be DIALOG_SVAR', reference: 'Hodemelding 1.2' });
    expect(f).toEqual({ ruleId: 'TC-TYPE', severity: 'error', layer: 'testcase', message: 'MsgInfo/Type must be DIALOG_SVAR', line: 2, column: 1, xpath: '/MsgHead', reference: 'Hodemelding 1.2' });
  });

  it('show what was found when the assertion names an `actual` expression', () => {
    const [f] = run({ id: 'T', xpath: "/mh:MsgHead/mh:MsgInfo/mh:Type/@V = 'DIALOG_SVAR'", actual: '/mh:MsgHead/mh:MsgInfo/mh:Type/@V', message: 'wrong type' });
    expect(f.message).toBe("wrong type (found: 'DIALOG_NOTAT')");
  });

  it('evaluate the test at every context node and point at each one that fails, with its line', () => {
    const findings = run({ id: 'FNR', context: '/mh:MsgHead/mh:MsgInfo/mh:Patient/mh:Ident', xpath: "mh:TypeId/@V = 'FNR'", actual: 'mh:TypeId/@V', message: 'not a fødselsnummer' });
    expect(findings.map((f) => [f.xpath, f.line, f.column, f.message])).toEqual([
      ['/MsgHead/MsgInfo/Patient/Ident[1]', 8, 7, "not a fødselsnummer (found: 'XXX')"],
      ['/MsgHead/MsgInfo/Patient/Ident[2]', 9, 7, "not a fødselsnummer (found: 'YYY')"],
    ]);
  });

  it('fail when the context selects nothing: a test case asks for that content to be there', () => {
    const [f] = run({ id: 'ATT', context: "/mh:MsgHead/mh:Document/mh:RefDoc[mh:MsgType/@V='A']", xpath: 'mh:MimeType', message: 'no attachment' });
    expect(f.message).toBe("no attachment (nothing found at /mh:MsgHead/mh:Document/mh:RefDoc[mh:MsgType/@V='A'])");
    expect(f.xpath).toBe('/MsgHead');
  });

  it('pass an optional assertion whose context selects nothing', () => {
    expect(run({ id: 'ATT', optional: true, context: '/mh:MsgHead/mh:Document', xpath: 'false()', message: 'm' })).toEqual([]);
  });

  it('keep the assertion severity, so a warning informs without failing', () => {
    const [f] = run({ id: 'W', severity: 'warning', xpath: 'false()', message: 'consider a description' });
    expect(f.severity).toBe('warning');
  });

  it('follow XPath 1.0 truth for numbers, strings and node-sets', () => {
    expect(run({ id: 'N', xpath: 'count(//mh:Ident)', message: 'm' })).toEqual([]);
    expect(run({ id: 'Z', xpath: 'count(//mh:Nothing)', message: 'm' })).toHaveLength(1);
    expect(run({ id: 'S', xpath: 'string(//mh:MsgId)', message: 'm' })).toEqual([]);
    expect(run({ id: 'E', xpath: 'string(//mh:Nothing)', message: 'm' })).toHaveLength(1);
  });

  it('report an expression libxml2 cannot evaluate as that assertion failing, and still run the others', () => {
    const findings = run({ id: 'BAD', xpath: '/undeclared:X', message: 'm' }, { id: 'GOOD', xpath: 'false()', message: 'n' });
    expect(findings.map((f) => f.ruleId)).toEqual(['BAD', 'GOOD']);
    expect(findings[0].message).toMatch(/test case error: the expression could not be evaluated/);
  });

  it('cap the findings of one assertion on a message with very many failing nodes', () => {
    const many = `<r xmlns="urn:x">${'<i/>'.repeat(100)}</r>`;
    const findings = withXml(many, (xml) => evaluateXPathAssertions(xml, [{ id: 'I', context: '//x:i', xpath: '@V', message: 'no V' }], { x: 'urn:x' }));
    expect(findings).toHaveLength(21);
    expect(findings[20].message).toBe('no V (and 80 more places)');
  });

  it('locate nodes in namespaces the test case has no prefix for, and in one-line messages, to the column', () => {
    const [f] = withXml('<a xmlns="urn:unknown"><b/><b/></a>', (xml) => evaluateXPathAssertions(xml, [{ id: 'X', context: '/*/*[2]', xpath: 'false()', message: 'm' }], {}));
    expect(f).toMatchObject({ xpath: '/a/b[2]', line: 1, column: 28 });
  });

  it('locate an attribute the context selects at the attribute itself', () => {
    const [f] = run({ id: 'A', context: '//mh:Type/@DN', xpath: ". = 'Dialog'", message: 'm' });
    expect(f).toMatchObject({ xpath: '/MsgHead/MsgInfo/Type/@DN', line: 4, column: 28 });
  });
});
