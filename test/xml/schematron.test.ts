import { XmlDocument } from 'libxml2-wasm';
import { describe, expect, it } from 'vitest';
import { CompiledSchematron } from '../../src/xml/schematron.js';

const enc = (s: string) => new TextEncoder().encode(s);

function run(schema: string, doc: string) {
  const sch = CompiledSchematron.compile(enc(schema), 'test.sch');
  const xml = XmlDocument.fromString(doc);
  try {
    return sch.run(xml).map((h) => `${h.finding.ruleId}: ${h.finding.message}`);
  } finally {
    xml.dispose();
    sch.dispose();
  }
}

describe('Schematron namespaces', () => {
  it('resolve prefixes wherever an expression uses them: steps, axes, predicates, attributes, value-of', () => {
    const schema = `<sch:schema xmlns:sch="http://purl.oclc.org/dsdl/schematron">
      <sch:ns prefix="a" uri="urn:a"/><sch:ns prefix="b.x" uri="urn:b"/><sch:ns prefix="unused" uri="urn:u"/>
      <sch:pattern>
        <sch:rule context="b.x:Item">
          <sch:assert id="R1" test="count(ancestor::a:Root) = 1">no root</sch:assert>
          <sch:report id="R2" test="@b.x:code = 'X'">code <sch:value-of select="@b.x:code"/> in <sch:value-of select="name(parent::a:List)"/></sch:report>
        </sch:rule>
      </sch:pattern>
    </sch:schema>`;
    const doc = `<Root xmlns="urn:a" xmlns:b="urn:b"><List><b:Item b:code="X"/><b:Item b:code="Y"/></List></Root>`;
    expect(run(schema, doc)).toEqual(['R2: code X in List']);
  });
});

describe('Schematron diagnostics in bokmål', () => {
  const schema = (diagnostics: string) => `<sch:schema xmlns:sch="http://purl.oclc.org/dsdl/schematron">
      <sch:pattern>
        <sch:rule context="Item">
          <sch:assert id="R1" test="@code" diagnostics="${diagnostics}">Item <sch:value-of select="@n"/> has no code</sch:assert>
        </sch:rule>
      </sch:pattern>
      <sch:diagnostics>
        <sch:diagnostic id="r1-en" xml:lang="en">Item lacks a code</sch:diagnostic>
        <sch:diagnostic id="r1-nb" xml:lang="nb">Element <sch:value-of select="@n"/> mangler kode</sch:diagnostic>
      </sch:diagnostics>
    </sch:schema>`;
  const findings = (sch: string) => {
    const compiled = CompiledSchematron.compile(enc(sch), 'test.sch');
    const xml = XmlDocument.fromString('<List><Item n="7"/></List>');
    try {
      return compiled.run(xml).map((h) => h.finding);
    } finally {
      xml.dispose();
      compiled.dispose();
    }
  };

  it('gives a finding the bokmål text of the diagnostic the check names (xml:lang nb), with its value-of, beside the English message', () => {
    expect(findings(schema('r1-en r1-nb'))).toEqual([expect.objectContaining({ ruleId: 'R1', message: 'Item 7 has no code', messageNb: 'Element 7 mangler kode' })]);
  });

  it('leaves messageNb out when the check names no bokmål diagnostic, and refuses a name the schema does not define', () => {
    expect(findings(schema('r1-en'))[0]).not.toHaveProperty('messageNb');
    expect(() => CompiledSchematron.compile(enc(schema('r1-nb missing')), 'test.sch')).toThrow(/R1 names diagnostic "missing"/);
  });
});
