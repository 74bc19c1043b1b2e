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
