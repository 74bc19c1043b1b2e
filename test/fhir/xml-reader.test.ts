import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { isFhirXml } from '../../src/fhir/fhir-xml-sniff.js';
import { ProfileCatalog } from '../../src/profiles/catalog.js';
import { baseValidator, bytes, check, errors } from './helpers.js';

const v = baseValidator();
/** The resource as the validator read it. */
const read = async (text: string) => (await v.validateRead(bytes(text))).resource?.();
const xml = (body: string, root = 'Patient') =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="http://hl7.org/fhir">\n${body}\n</${root}>\n`;
const narrative = `  <text>
    <status value="generated"/>
    <div xmlns="http://www.w3.org/1999/xhtml"><p>Kari <b>Nordmann</b></p></div>
  </text>`;

describe("FHIR's XML format", () => {
  it('is told from KITH XML by the root element’s namespace', () => {
    expect(isFhirXml(bytes(xml('')))).toBe(true);
    expect(isFhirXml(bytes('<f:Patient xmlns:f="http://hl7.org/fhir"/>'))).toBe(true);
    expect(isFhirXml(bytes('<MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24"/>'))).toBe(false);
    expect(isFhirXml(bytes('<Patient/>'))).toBe(false);
    expect(isFhirXml(bytes('<Patient xmlns:f="http://hl7.org/fhir"/>'))).toBe(false);
    // Read forward only: heads built to make a backtracking pattern try every way of splitting them.
    expect(isFhirXml(bytes(`${'<?a?>'.repeat(800)}x`))).toBe(false);
    expect(isFhirXml(bytes(`${'<!--a-->'.repeat(500)}x`))).toBe(false);
    expect(isFhirXml(bytes(`<Patient ${'a="b" '.repeat(600)}`))).toBe(false);
  });

  it('reads into the same resource as its JSON: repeating elements as arrays, typed primitives, extensions on a primitive in _name', async () => {
    const resource = xml(`  <id value="p1"/>
${narrative}
  <active value="true"/>
  <name>
    <family value="Nordmann"/>
    <given value="Kari">
      <extension url="http://hl7.org/fhir/StructureDefinition/iso21090-EN-qualifier"><valueCode value="CL"/></extension>
    </given>
    <given value="Anne"/>
  </name>
  <multipleBirthInteger value="2"/>`);
    expect(await read(resource)).toEqual({
      resourceType: 'Patient',
      id: 'p1',
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><p>Kari <b>Nordmann</b></p></div>' },
      active: true,
      name: [
        {
          family: 'Nordmann',
          given: ['Kari', 'Anne'],
          _given: [{ extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/iso21090-EN-qualifier', valueCode: 'CL' }] }, null],
        },
      ],
      multipleBirthInteger: 2,
    });
  });

  it('is validated as JSON is, with findings at the XML’s lines and columns', async () => {
    const r = await check(v, xml(`${narrative}\n  <gender value="kvinne"/>\n  <birthDate value="1969-13-01"/>`));
    expect(errors(r).sort()).toEqual(['FHIR-BINDING-REQUIRED', 'FHIR-STRUCTURE-PRIMITIVE']);
    expect(r.findings.find((f) => f.ruleId === 'FHIR-STRUCTURE-PRIMITIVE')).toMatchObject({
      path: 'Patient.birthDate',
      line: 8,
      column: 14,
    });
    expect(r.findings.find((f) => f.ruleId === 'FHIR-BINDING-REQUIRED')).toMatchObject({ path: 'Patient.gender', line: 7 });
  });

  it('reads resources in their containers: a Bundle entry and a contained resource', async () => {
    const bundle = xml(
      `  <type value="collection"/>
  <entry>
    <fullUrl value="urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0"/>
    <resource>
      <Patient>
${narrative}
        <contained><Organization><id value="o"/><name value="Legekontoret"/></Organization></contained>
        <managingOrganization><reference value="#o"/></managingOrganization>
      </Patient>
    </resource>
  </entry>`,
      'Bundle',
    );
    const plain = (await read(bundle)) as { entry: { resource: { contained: { resourceType: string }[] } }[] };
    expect(plain.entry[0]!.resource.contained[0]!.resourceType).toBe('Organization');
    expect(errors(await check(v, bundle))).toEqual([]);
  });

  it('requires the order the definitions give, which JSON does not have', async () => {
    const r = await check(v, xml(`${narrative}\n  <birthDate value="1969-11-13"/>\n  <gender value="female"/>`));
    expect(errors(r)).toEqual(['FHIR-XML-ORDER']);
    expect(r.findings.find((f) => f.ruleId === 'FHIR-XML-ORDER')).toMatchObject({
      path: 'Patient.gender',
      line: 8,
      message: "Patient.gender is out of order: in FHIR's XML it comes before birthDate",
    });
  });

  it('refuses elements outside the FHIR namespace, attributes it does not define, and text in place of value attributes', async () => {
    const r = await check(
      v,
      xml(
        `${narrative}\n  <active>true</active>\n  <gender xmlns="http://example.org/other" value="female"/>\n  <birthDate value="1969-11-13" format="iso"/>`,
      ),
    );
    expect(errors(r).sort()).toEqual(['FHIR-XML-ATTRIBUTE', 'FHIR-XML-NAMESPACE', 'FHIR-XML-TEXT']);
  });

  it('counts a single-valued element given twice, where JSON could not even say it', async () => {
    const r = await check(v, xml(`${narrative}\n  <gender value="female"/>\n  <gender value="male"/>`));
    expect(errors(r)).toEqual(['FHIR-CARDINALITY-MAX']);
    expect(r.findings.find((f) => f.ruleId === 'FHIR-CARDINALITY-MAX')).toMatchObject({ path: 'Patient.gender', line: 8 });
  });

  it('is read as all XML from outside is: a DOCTYPE is refused, never expanded', async () => {
    const hostile = `<?xml version="1.0"?><!DOCTYPE Patient [<!ENTITY x "boom">]><Patient xmlns="http://hl7.org/fhir"><id value="&x;"/></Patient>`;
    const r = await check(v, hostile);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ severity: 'error', layer: 'syntax' });
    expect(JSON.stringify(r)).not.toContain('boom');
  });

  it('goes to the FHIR validator from the engine, while KITH messages stay XML', async () => {
    const engine = new Engine(new ProfileCatalog());
    const r = await engine.validate(bytes(xml(`${narrative}\n  <gender value="female"/>`)));
    expect(r).toMatchObject({ format: 'fhir', valid: true });
    expect(r.detection).toContain('FHIR R4 Patient');
    const kith = await engine.validate(bytes('<MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24"/>'));
    expect(kith.format).toBe('xml');
  });
});
