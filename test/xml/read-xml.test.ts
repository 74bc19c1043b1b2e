import { describe, expect, it } from 'vitest';
import { SamsvarError } from '../../src/core/samsvar-error.js';
import { withXml } from '../../src/xml/read-xml.js';

/** The one way XML from outside is read, for what is not a submission (templates, generated messages handed back). */
describe('reading XML outside a validation', () => {
  const refusal = (input: string | Uint8Array): SamsvarError => {
    try {
      withXml(input, () => undefined);
    } catch (e) {
      return e as SamsvarError;
    }
    throw new Error('not refused');
  };

  it("refuses a DOCTYPE with the prescan's finding, before libxml2 sees it, so no entity is ever expanded", () => {
    const laughs = '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>';
    const e = refusal(laughs);
    expect(e.detail).toMatch(/DOCTYPE/);
    expect(e.extra?.findings).toEqual([expect.objectContaining({ ruleId: 'SYNTAX-DOCTYPE', line: 1, column: 22 })]);
  });

  it('refuses "<!DOCTYPE" written inside a comment, as the engine does', () => {
    expect(refusal('<a><!-- <!DOCTYPE a SYSTEM "file:///etc/passwd"> --></a>').extra?.findings).toEqual([
      expect.objectContaining({ ruleId: 'SYNTAX-DOCTYPE', column: 9 }),
    ]);
  });

  it('refuses UTF-16 (the engine reads UTF-8 and ISO-8859-1 only)', () => {
    const utf16 = Buffer.from('\ufeff<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>', 'utf16le');
    expect(refusal(utf16).detail).toMatch(/UTF-16/);
  });

  it("refuses a document that is not well-formed with the parser's reason and position", () => {
    expect(refusal('<a><b></a>').detail).toMatch(/Not well-formed XML: .* \(line 1, column \d+\)/);
  });

  it('reads ISO-8859-1 messages by their declaration', () => {
    const latin1 = Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a V="Bjørn Ås"/>', 'latin1');
    expect(withXml(latin1, ({ doc }) => doc.eval('string(/a/@V)'))).toBe('Bjørn Ås');
  });

  it("locates nodes as the engine does: line, column and the engine's XPath", () => {
    expect(withXml('<r>\n  <x/><x V="1"/>\n</r>', ({ doc, locate }) => locate(doc.find('//x[2]/@V')[0]!))).toEqual({
      line: 2,
      column: 10,
      xpath: '/r/x[2]/@V',
    });
  });
});
