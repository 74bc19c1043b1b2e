import { describe, expect, it } from 'vitest';
import { DEFAULT_NAMESPACES, type XPathAssertion } from '../../src/testcases/testcase.js';
import { evaluateXPathAssertions } from '../../src/testcases/xml-assertions.js';
import { parseXml, withXml } from '../../src/testcases/xml-document.js';

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
  return withXml(MESSAGE, (doc) => evaluateXPathAssertions(doc, assertions, { ...DEFAULT_NAMESPACES }));
}

describe('XPath assertions', () => {
  it('hold silently: no finding when the test is true', () => {
    expect(run({ id: 'A', xpath: "/mh:MsgHead/mh:MsgInfo/mh:Type/@V = 'DIALOG_NOTAT'", message: 'm' })).toEqual([]);
  });

  it('report a failed assertion as a testcase finding with its id, at the root element', () => {
    const [f] = run({ id: 'TC-TYPE', xpath: "/mh:MsgHead/mh:MsgInfo/mh:Type/@V = 'DIALOG_SVAR'", message: 'MsgInfo/Type must be DIALOG_SVAR', reference: 'Hodemelding 1.2' });
    expect(f).toEqual({ ruleId: 'TC-TYPE', severity: 'error', layer: 'testcase', message: 'MsgInfo/Type must be DIALOG_SVAR', line: 2, xpath: '/mh:MsgHead', reference: 'Hodemelding 1.2' });
  });

  it('show what was found when the assertion names an `actual` expression', () => {
    const [f] = run({ id: 'T', xpath: "/mh:MsgHead/mh:MsgInfo/mh:Type/@V = 'DIALOG_SVAR'", actual: '/mh:MsgHead/mh:MsgInfo/mh:Type/@V', message: 'wrong type' });
    expect(f.message).toBe("wrong type (found: 'DIALOG_NOTAT')");
  });

  it('evaluate the test at every context node and point at each one that fails, with its line', () => {
    const findings = run({ id: 'FNR', context: '/mh:MsgHead/mh:MsgInfo/mh:Patient/mh:Ident', xpath: "mh:TypeId/@V = 'FNR'", actual: 'mh:TypeId/@V', message: 'not a fødselsnummer' });
    expect(findings.map((f) => [f.xpath, f.line, f.message])).toEqual([
      ['/mh:MsgHead/mh:MsgInfo/mh:Patient/mh:Ident[1]', 8, "not a fødselsnummer (found: 'XXX')"],
      ['/mh:MsgHead/mh:MsgInfo/mh:Patient/mh:Ident[2]', 9, "not a fødselsnummer (found: 'YYY')"],
    ]);
  });

  it('fail when the context selects nothing: a test case asks for that content to be there', () => {
    const [f] = run({ id: 'ATT', context: "/mh:MsgHead/mh:Document/mh:RefDoc[mh:MsgType/@V='A']", xpath: 'mh:MimeType', message: 'no attachment' });
    expect(f.message).toBe("no attachment (nothing found at /mh:MsgHead/mh:Document/mh:RefDoc[mh:MsgType/@V='A'])");
    expect(f.xpath).toBe('/mh:MsgHead');
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
    const findings = withXml(many, (doc) => evaluateXPathAssertions(doc, [{ id: 'I', context: '//x:i', xpath: '@V', message: 'no V' }], { x: 'urn:x' }));
    expect(findings).toHaveLength(21);
    expect(findings[20].message).toBe('no V (and 80 more places)');
  });

  it('locate nodes in namespaces without a prefix by local name', () => {
    const [f] = withXml('<a xmlns="urn:unknown"><b/></a>', (doc) => evaluateXPathAssertions(doc, [{ id: 'X', context: '/*/*', xpath: 'false()', message: 'm' }], {}));
    expect(f.xpath).toBe("/*[local-name()='a']/*[local-name()='b']");
  });
});

describe('parsing a message for assertions', () => {
  it('refuses a DOCTYPE before libxml2 sees it, so no entity is ever expanded', () => {
    const laughs = '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>';
    expect(() => parseXml(laughs)).toThrow(/DOCTYPE/);
  });

  it('refuses a DOCTYPE in a UTF-16 document too', () => {
    const utf16 = Buffer.from('\ufeff<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>', 'utf16le');
    expect(() => parseXml(utf16)).toThrow(/DOCTYPE/);
  });

  it('refuses a document that is not well-formed with the parser\'s reason', () => {
    expect(() => parseXml('<a><b></a>')).toThrow(/not well-formed/);
  });

  it('reads ISO-8859-1 messages by their declaration', () => {
    const latin1 = Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a V="Bjørn Ås"/>', 'latin1');
    expect(withXml(latin1, (doc) => doc.eval('string(/a/@V)'))).toBe('Bjørn Ås');
  });
});
