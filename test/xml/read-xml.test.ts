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

  it('points an attribute finding at the attribute, not at its name written inside another value', () => {
    const at = (xml: string | Uint8Array) => withXml(xml, ({ doc, locate }) => locate(doc.find('/r/x/@V')[0]!));
    expect(at('<r><x DN=" V=1 >" V="2"/></r>')).toMatchObject({ line: 1, column: 19, xpath: '/r/x/@V' });
    expect(at('<r><x\n\tV\n = "2"/></r>')).toMatchObject({ line: 2, column: 2 });
    // Columns count characters: "ø" is two bytes in UTF-8, one in ISO-8859-1.
    expect(at('<r><x DN="ø" V="2"/></r>')).toMatchObject({ column: 14 });
    expect(at(Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?>\n<r><x DN="ø" V="2"/></r>', 'latin1'))).toMatchObject({
      line: 2,
      column: 14,
    });
  });

  it('finds an attribute whose name is not ASCII in either encoding', () => {
    const at = (xml: string | Uint8Array) => withXml(xml, ({ doc, locate }) => locate(doc.find('/r/x/@*[2]')[0]!));
    expect(at('<r><x a="1" Å="2"/></r>')).toMatchObject({ column: 13, xpath: '/r/x/@Å' });
    expect(at(Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><r><x a="1" Å="2"/></r>', 'latin1'))).toMatchObject({
      column: 56,
    });
  });
});
