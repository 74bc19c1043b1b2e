import { beforeAll, describe, expect, it } from 'vitest';
import { FhirValidator } from '../../src/fhir/fhir-validator.js';
import { contextSelectionCount } from '../../src/fhir/invariants.js';
import { growthRatio, LINEAR_RATIO_LIMIT } from '../support/growth.js';
import { catalogWith, check, errors, extensionOn, findingOf, profileOn } from './helpers.js';

const text = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' };
const BASE = 'http://samsvar.test/StructureDefinition/';
const INTERPRETER = 'http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired';

/** A boolean extension of our own, usable where `context` (and `contextInvariant`) say. */
function flag(id: string, context: { type: string; expression: string }[], contextInvariant?: string[]) {
  return extensionOn(id, context, { min: 1, type: [{ code: 'boolean' }] }, contextInvariant ? { contextInvariant } : {});
}

const onHomeAddress = flag('on-home-address', [
  { type: 'fhirpath', expression: "Patient.address.where(use = 'home')" },
  { type: 'extension', expression: INTERPRETER },
]);
const onResourceOrBackbone = flag('on-resource-or-backbone', [
  { type: 'element', expression: 'DomainResource' },
  { type: 'element', expression: 'BackboneElement' },
]);
const whileInactive = flag('while-inactive', [{ type: 'element', expression: 'Patient' }], ['Patient.active.not()']);

const ext = (id: string) => ({ url: BASE + id, valueBoolean: true });

let v: FhirValidator;
beforeAll(() => {
  v = new FhirValidator(
    catalogWith([
      { id: 'test-patient', sd: profileOn('Patient', 'test-patient', []), extra: [onHomeAddress, onResourceOrBackbone, whileInactive] },
    ]),
  );
});

const patient = (more: Record<string, unknown>) => ({ resourceType: 'Patient', text, ...more });

describe('where an extension may be used (StructureDefinition.context)', () => {
  it('allows an extension with a FHIRPath context exactly on the elements the expression selects', async () => {
    const home = patient({
      address: [
        { use: 'work', city: 'Oslo' },
        { use: 'home', city: 'Bergen', extension: [ext('on-home-address')] },
      ],
    });
    expect(errors(await check(v, home, 'test-patient'))).toEqual([]);
    const work = patient({
      address: [
        { use: 'work', city: 'Oslo', extension: [ext('on-home-address')] },
        { use: 'home', city: 'Bergen' },
      ],
    });
    const f = findingOf(await check(v, work, 'test-patient'), 'FHIR-EXT-CONTEXT');
    expect(f).toMatchObject({ severity: 'error', path: 'Patient.address[0].extension[0]' });
    expect(f.message).toContain("Patient.address.where(use = 'home')");
    // On a primitive, through its `_active` companion.
    const onActive = patient({ active: true, _active: { extension: [ext('on-home-address')] } });
    expect(errors(await check(v, onActive, 'test-patient'))).toEqual(['FHIR-EXT-CONTEXT']);
  });

  it('allows an extension with an extension context on that extension and on its value', async () => {
    const onValue = patient({
      extension: [{ url: INTERPRETER, valueBoolean: true, _valueBoolean: { extension: [ext('on-home-address')] } }],
    });
    expect(errors(await check(v, onValue, 'test-patient'))).toEqual([]);
  });

  it('reads DomainResource as a resource root and BackboneElement as a backbone element, not as anywhere', async () => {
    expect(errors(await check(v, patient({ extension: [ext('on-resource-or-backbone')] }), 'test-patient'))).toEqual([]);
    expect(
      errors(
        await check(
          v,
          patient({ contact: [{ name: { family: 'Nordmann' }, extension: [ext('on-resource-or-backbone')] }] }),
          'test-patient',
        ),
      ),
    ).toEqual([]);
    const onName = patient({ name: [{ family: 'Nordmann', extension: [ext('on-resource-or-backbone')] }] });
    expect(findingOf(await check(v, onName, 'test-patient'), 'FHIR-EXT-CONTEXT').path).toBe('Patient.name[0].extension[0]');
  });

  it('holds an extension to its context invariants, evaluated on the element it sits on', async () => {
    expect(errors(await check(v, patient({ active: false, extension: [ext('while-inactive')] }), 'test-patient'))).toEqual([]);
    const f = findingOf(await check(v, patient({ active: true, extension: [ext('while-inactive')] }), 'test-patient'), 'FHIR-EXT-CONTEXT');
    expect(f.message).toContain('Patient.active.not()');
  });
});

describe('where the R4 definitions themselves put an extension', () => {
  it('allows the regex extension on ElementDefinition.type, where published snapshots carry it for string.value', async () => {
    const v = new FhirValidator(catalogWith([]));
    const sd = {
      ...profileOn('Address', 'test-address', [], { kind: 'complex-type' }),
      text,
      snapshot: {
        element: [
          { id: 'Address', path: 'Address', min: 0, max: '*', base: { path: 'Address', min: 0, max: '*' } },
          {
            id: 'Address.city.value',
            path: 'Address.city.value',
            min: 0,
            max: '1',
            base: { path: 'string.value', min: 0, max: '1' },
            type: [
              {
                extension: [
                  { url: 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type', valueUrl: 'string' },
                  { url: 'http://hl7.org/fhir/StructureDefinition/regex', valueString: '[ \\r\\n\\t\\S]+' },
                ],
                code: 'http://hl7.org/fhirpath/System.String',
              },
            ],
          },
        ],
      },
    };
    const r = await check(v, sd);
    expect(r.findings.filter((f) => f.ruleId === 'FHIR-EXT-CONTEXT')).toEqual([]);
  });
});

describe('the cost of extension contexts', () => {
  it('grows linearly with the number of extensions whose context is an expression (n vs 8n)', async () => {
    const v = new FhirValidator(
      catalogWith([{ id: 'test-patient', sd: profileOn('Patient', 'test-patient', []), extra: [onHomeAddress, whileInactive] }]),
    );
    const manyHomes = (n: number) =>
      patient({
        active: false,
        extension: Array.from({ length: n }, () => ext('while-inactive')),
        address: Array.from({ length: n }, (_, i) => ({ use: 'home', city: `By ${i}`, extension: [ext('on-home-address')] })),
      });
    expect(errors(await check(v, manyHomes(50), 'test-patient'))).toEqual([]);
    // The expression is evaluated once per resource, not once per extension.
    const before = contextSelectionCount();
    await check(v, manyHomes(400), 'test-patient');
    expect(contextSelectionCount() - before).toBe(1);
    expect(await growthRatio((n) => check(v, manyHomes(n), 'test-patient'), 60)).toBeLessThan(LINEAR_RATIO_LIMIT);
  });
});
