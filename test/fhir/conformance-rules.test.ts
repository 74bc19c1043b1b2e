/**
 * The HL7 validator's rules for conformance resources that IG publishers rely on, beyond the
 * StructureDefinitions: CodeSystem count, content and CodeSystem.valueSet; ValueSet concepts from a
 * complete code system; SearchParameter expressions against the core parameter they derive from.
 * (Property, canonical-URL and composite cases are in validator-cases/.)
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { FhirValidator } from '../../src/fhir/fhir-validator.js';
import { catalogWith, check, errors, profileOn } from './helpers.js';

const T = 'http://samsvar.test';
const text = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Syntetisk testdata</div>' };
const CS = `${T}/CodeSystem/hastegrad`;
const hastegrad = {
  resourceType: 'CodeSystem',
  url: CS,
  name: 'Hastegrad',
  status: 'active',
  content: 'complete',
  concept: [
    { code: 'akutt', display: 'Akutt', concept: [{ code: 'livstruende', display: 'Livstruende' }] },
    { code: 'planlagt', display: 'Planlagt' },
  ],
};
const alleHastegrader = {
  resourceType: 'ValueSet',
  url: `${T}/ValueSet/hastegrad-alle`,
  name: 'HastegradAlle',
  status: 'active',
  compose: { include: [{ system: CS }] },
};
const noenHastegrader = {
  resourceType: 'ValueSet',
  url: `${T}/ValueSet/hastegrad-noen`,
  name: 'HastegradNoen',
  status: 'active',
  compose: { include: [{ system: CS, concept: [{ code: 'akutt' }] }] },
};

let v: FhirValidator;
beforeAll(() => {
  v = new FhirValidator(
    catalogWith([
      { id: 'hastegrad', sd: profileOn('ServiceRequest', 'hastegrad', []), extra: [hastegrad, alleHastegrader, noenHastegrader] },
    ]),
  );
});

const codeSystem = (more: Record<string, unknown>) => ({
  resourceType: 'CodeSystem',
  text,
  url: `${T}/CodeSystem/test`,
  name: 'Test',
  status: 'active',
  ...more,
});
const concepts = [
  { code: 'a', display: 'A', concept: [{ code: 'a1', display: 'A1' }] },
  { code: 'b', display: 'B' },
];

describe('CodeSystem', () => {
  it('a complete code system states the count of all its concepts, nested ones included', async () => {
    expect(errors(await check(v, codeSystem({ content: 'complete', count: 3, concept: concepts })))).toEqual([]);
    const r = await check(v, codeSystem({ content: 'complete', count: 2, concept: concepts }));
    expect(errors(r)).toEqual(['FHIR-CS-COUNT']);
    expect(r.findings.find((f) => f.ruleId === 'FHIR-CS-COUNT')).toMatchObject({
      path: 'CodeSystem.count',
      message: expect.stringContaining('(3) does not match the stated total count (2)'),
    });
  });

  it('a fragment stating no more concepts than it lists is a warning only', async () => {
    const r = await check(v, codeSystem({ content: 'fragment', count: 3, concept: concepts }));
    expect(errors(r)).toEqual([]);
    expect(r.findings.filter((f) => f.ruleId === 'FHIR-CS-COUNT').map((f) => f.severity)).toEqual(['warning']);
  });

  it('content not-present lists no concepts', async () => {
    expect(errors(await check(v, codeSystem({ content: 'not-present', concept: concepts })))).toEqual(['FHIR-CS-CONTENT']);
    expect(errors(await check(v, codeSystem({ content: 'not-present' })))).toEqual([]);
  });

  it('a supplement has content supplement and leaves caseSensitive to the code system it supplements', async () => {
    expect(
      errors(
        await check(
          v,
          codeSystem({
            content: 'supplement',
            supplements: CS,
            concept: [{ code: 'akutt', designation: [{ language: 'nn', value: 'Akutt' }] }],
          }),
        ),
      ),
    ).toEqual([]);
    expect(errors(await check(v, codeSystem({ content: 'complete', supplements: CS, caseSensitive: true })))).toEqual([
      'FHIR-CS-CONTENT',
      'FHIR-CS-CONTENT',
    ]);
  });

  it('CodeSystem.valueSet names the value set of all its codes', async () => {
    const own = { url: CS, name: 'Hastegrad', content: 'complete', concept: hastegrad.concept };
    expect(errors(await check(v, codeSystem({ ...own, valueSet: alleHastegrader.url })))).toEqual([]);
    expect(errors(await check(v, codeSystem({ ...own, valueSet: noenHastegrader.url })))).toEqual(['FHIR-CS-VALUESET']);
  });
});

describe('ValueSet', () => {
  const valueSet = (include: Record<string, unknown>) => ({
    resourceType: 'ValueSet',
    text,
    url: `${T}/ValueSet/test`,
    name: 'Test',
    status: 'active',
    compose: { include: [include] },
  });

  it('a concept must exist in a complete code system that is loaded, nested codes included', async () => {
    expect(errors(await check(v, valueSet({ system: CS, concept: [{ code: 'akutt' }, { code: 'livstruende' }] })))).toEqual([]);
    const r = await check(v, valueSet({ system: CS, concept: [{ code: 'akutt' }, { code: 'rutine' }] }));
    expect(errors(r)).toEqual(['FHIR-VS-CODE']);
    expect(r.findings.find((f) => f.ruleId === 'FHIR-VS-CODE')).toMatchObject({ path: 'ValueSet.compose.include[0].concept[1].code' });
  });

  it('codes of a code system that is not loaded are not judged here', async () => {
    expect(errors(await check(v, valueSet({ system: `${T}/CodeSystem/ukjent`, concept: [{ code: 'hva-som-helst' }] })))).toEqual([]);
  });
});

describe('SearchParameter', () => {
  const sp = (more: Record<string, unknown>) => ({
    resourceType: 'SearchParameter',
    text,
    url: `${T}/SearchParameter/test`,
    name: 'Test',
    status: 'active',
    description: 'Test',
    code: 'navn',
    ...more,
  });

  it('an expression that is not FHIRPath is an error', async () => {
    expect(errors(await check(v, sp({ base: ['Organization'], type: 'string', expression: 'Organization.name |' })))).toEqual([
      'FHIR-SP-EXPRESSION',
    ]);
  });

  it('compares the expression with the core parameter only for its own bases, and warns when it differs', async () => {
    const derivedFrom = 'http://hl7.org/fhir/SearchParameter/Organization-name';
    const same = await check(
      v,
      sp({ derivedFrom, base: ['Organization'], type: 'string', expression: 'Organization.alias | Organization.name' }),
    );
    expect(same.findings.filter((f) => f.ruleId === 'FHIR-SP-DERIVED')).toEqual([]);
    const narrower = await check(v, sp({ derivedFrom, base: ['Organization'], type: 'string', expression: 'Organization.name' }));
    expect(narrower.findings.filter((f) => f.ruleId === 'FHIR-SP-DERIVED').map((f) => f.severity)).toEqual(['warning']);
  });

  it('a parameter on Resource may start its expression anywhere', async () => {
    expect(errors(await check(v, sp({ base: ['Resource'], type: 'token', expression: 'Patient.id' })))).toEqual([]);
  });
});

describe('ValueSet filters', () => {
  const filtered = (filter: Record<string, unknown>) => ({
    resourceType: 'ValueSet',
    text,
    url: `${T}/ValueSet/filter`,
    name: 'Filter',
    status: 'active',
    compose: { include: [{ system: `${T}/CodeSystem/ukjent`, filter: [filter] }] },
  });

  it('a filter on a boolean property, or with op exists, takes true or false', async () => {
    expect(errors(await check(v, filtered({ property: 'notSelectable', op: '=', value: 'false' })))).toEqual([]);
    const r = await check(v, filtered({ property: 'notSelectable', op: '=', value: '1' }));
    expect(errors(r)).toEqual(['FHIR-VS-FILTER']);
    expect(r.findings.find((f) => f.ruleId === 'FHIR-VS-FILTER')).toMatchObject({ path: 'ValueSet.compose.include[0].filter[0].value' });
    expect(errors(await check(v, filtered({ property: 'farge', op: 'exists', value: 'ja' })))).toEqual(['FHIR-VS-FILTER']);
    expect(errors(await check(v, filtered({ property: 'farge', op: '=', value: 'rød' })))).toEqual([]);
  });

  it('reads a SNOMED CT constraint filter as ECL (HL7 case vs-bad-ecl)', async () => {
    const snomed = (value: string) => ({
      resourceType: 'ValueSet',
      text,
      url: `${T}/ValueSet/lungesykdommer`,
      status: 'active',
      compose: { include: [{ system: 'http://snomed.info/sct', filter: [{ property: 'constraint', op: '=', value }] }] },
    });
    const r = await check(v, snomed('234234 << 234234'));
    expect(errors(r)).toEqual(['FHIR-VS-FILTER']);
    expect(r.findings.find((f) => f.ruleId === 'FHIR-VS-FILTER')).toMatchObject({
      path: 'ValueSet.compose.include[0].filter[0].value',
      message: expect.stringContaining("The value '234234 << 234234' of the filter on SNOMED CT's constraint is not an expression in ECL"),
    });
    expect(errors(await check(v, snomed('<< 19829001 |Disorder of lung| MINUS << 233604007')))).toEqual([]);
  });
});

describe('StructureDefinition', () => {
  const extension = (name: string, url: string, base: string) => ({
    resourceType: 'StructureDefinition',
    text,
    url,
    name,
    status: 'active',
    kind: 'complex-type',
    abstract: false,
    context: [{ type: 'element', expression: 'Patient' }],
    type: 'Extension',
    baseDefinition: base,
    derivation: 'constraint',
    differential: {
      element: [
        { id: 'Extension.url', path: 'Extension.url', fixedUri: url },
        { id: 'Extension.value[x]', path: 'Extension.value[x]', type: [{ code: 'string' }] },
      ],
    },
  });
  const BASE = `${T}/StructureDefinition/merknad`;
  const CORE = 'http://hl7.org/fhir/StructureDefinition/Extension';

  it('a profile cannot fix an element its base fixes to another value (HL7 case ext-derived)', async () => {
    const withBase = new FhirValidator(
      catalogWith([{ id: 'merknad', sd: profileOn('ServiceRequest', 'merknad-bruk', []), extra: [extension('Merknad', BASE, CORE)] }]),
    );
    const derived = extension('MerknadAvledet', `${T}/StructureDefinition/merknad-avledet`, BASE);
    const r = await check(withBase, derived);
    expect(errors(r)).toEqual(['FHIR-SD-FIXED']);
    expect(r.findings.find((f) => f.ruleId === 'FHIR-SD-FIXED')).toMatchObject({
      path: 'StructureDefinition.differential.element[0].fixedUri',
      message: expect.stringContaining(`but the base profile ${BASE} fixes it to '${BASE}'`),
    });
    // The same value again narrows nothing and breaks nothing; a base that fixes nothing leaves it free.
    const same = { ...derived, differential: { element: [{ id: 'Extension.url', path: 'Extension.url', fixedUri: BASE }] } };
    expect(errors(await check(withBase, same))).toEqual([]);
    expect(errors(await check(withBase, extension('Fri', `${T}/StructureDefinition/fri`, CORE)))).toEqual([]);
  });

  /** A profile on a resource type as a resource to validate (with the narrative every resource should have). */
  const profileResource = (type: string, id: string, elements: Record<string, unknown>[]) => ({ ...profileOn(type, id, elements), text });

  it('slices by a discriminator path that names an element of what it slices (HL7 case Slice23)', async () => {
    const auditEvent = (elements: Record<string, unknown>[]) => profileResource('AuditEvent', 'logg', elements);
    const sliced = (id: string, path: string, discriminator: string, more: Record<string, unknown> = {}) => ({
      id,
      path,
      slicing: { discriminator: [{ type: 'value', path: discriminator }], rules: 'open' },
      ...more,
    });
    // An Extension has url and value, not type; an agent (a backbone element) has type.
    const onExtension = sliced('AuditEvent.agent.extension:annenId', 'AuditEvent.agent.extension', 'type', {
      sliceName: 'annenId',
      type: [{ code: 'Extension', profile: [`${T}/StructureDefinition/annen-id`] }],
    });
    const r = await check(v, auditEvent([sliced('AuditEvent.agent.extension', 'AuditEvent.agent.extension', 'url'), onExtension]));
    expect(errors(r)).toEqual(['FHIR-SD-SLICING']);
    expect(r.findings.find((f) => f.ruleId === 'FHIR-SD-SLICING')).toMatchObject({
      path: 'StructureDefinition.differential.element[2].slicing.discriminator[0].path',
      message: expect.stringContaining(
        "the discriminator path 'type' names no element of AuditEvent.agent.extension (extension, id, url, value)",
      ),
    });
    for (const fine of [
      sliced('AuditEvent.agent', 'AuditEvent.agent', 'type'),
      sliced('AuditEvent.agent.extension', 'AuditEvent.agent.extension', 'value.type'),
      sliced('AuditEvent.entity', 'AuditEvent.entity', 'what.resolve()'),
      sliced('AuditEvent.agent.role.coding', 'AuditEvent.agent.role.coding', 'system'),
      sliced('AuditEvent.agent.extension', 'AuditEvent.agent.extension', "extension('http://x').value"),
    ])
      expect(errors(await check(v, auditEvent([fine]))), JSON.stringify(fine)).toEqual([]);
    expect(errors(await check(v, auditEvent([sliced('AuditEvent.agent', 'AuditEvent.agent', 'typo')])))).toEqual(['FHIR-SD-SLICING']);
    expect(errors(await check(v, auditEvent([sliced('AuditEvent.agent.role.coding', 'AuditEvent.agent.role.coding', 'sytem')])))).toEqual([
      'FHIR-SD-SLICING',
    ]);
  });

  it('names by id the element it names by path (HL7 case obs-mz): a tool reading either constrains the same one', async () => {
    const observation = (element: Record<string, unknown>) => profileResource('Observation', 'maaling', [element]);
    const r = await check(v, observation({ id: 'Observation.valueQuantity', path: 'Observation.valueQuantiy', min: 1 }));
    expect(errors(r)).toEqual(['FHIR-SD-PATH']);
    expect(r.findings.find((f) => f.ruleId === 'FHIR-SD-PATH')).toMatchObject({
      path: 'StructureDefinition.differential.element[1].path',
      message: expect.stringContaining(
        'its id Observation.valueQuantity names Observation.valueQuantity, but its path is Observation.valueQuantiy',
      ),
    });
    // A choice named by its type in one and as value[x] in the other is the same element; so is a type slice.
    for (const same of [
      { id: 'Observation.valueQuantity', path: 'Observation.value[x]' },
      { id: 'Observation.value[x]:valueQuantity', path: 'Observation.value[x]', sliceName: 'valueQuantity' },
      { id: 'Observation.component:puls.code', path: 'Observation.component.code' },
    ])
      expect(errors(await check(v, observation(same)))).toEqual([]);
  });

  it("profiles an element's type only with a profile of that type (HL7 case observation-bad-profile)", async () => {
    const CORE = 'http://hl7.org/fhir/StructureDefinition/';
    const valueProfiled = (profile: string) =>
      profileResource('Observation', 'maaling', [
        { id: 'Observation.valueQuantity', path: 'Observation.valueQuantity', type: [{ code: 'Quantity', profile: [profile] }] },
      ]);
    const r = await check(v, valueProfiled(`${CORE}Count`));
    expect(errors(r)).toEqual(['FHIR-SD-TYPE-PROFILE']);
    expect(r.findings.find((f) => f.ruleId === 'FHIR-SD-TYPE-PROFILE')).toMatchObject({
      path: 'StructureDefinition.differential.element[1].type[0].profile[0]',
      message: expect.stringContaining('is a profile of Count, but the element'),
    });
    expect(errors(await check(v, valueProfiled(`${CORE}SimpleQuantity`)))).toEqual([]);
    // One not loaded cannot be judged here.
    expect(errors(await check(v, valueProfiled('https://fhir.example.no/StructureDefinition/ukjent')))).toEqual([]);
  });
});
