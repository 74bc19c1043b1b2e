import { describe, expect, it } from 'vitest';
import { SamsvarError } from '../../src/core/samsvar-error.js';
import { baseConformance, ConformanceStore } from '../../src/fhir/conformance-store.js';
import type { StructureDefinition } from '../../src/fhir/conformance-store.js';
import { snapshotOf } from '../../src/fhir/snapshot.js';
import { profileOn } from './helpers.js';

function snapshot(elements: Record<string, unknown>[], type = 'Patient') {
  const store = new ConformanceStore(baseConformance());
  const sd = profileOn(type, 'test-snap', elements) as StructureDefinition;
  store.add(sd);
  return snapshotOf(sd, store);
}

describe('snapshot generation from a differential', () => {
  it('merges constraints into the base element and keeps the base constraints', () => {
    const els = snapshot([
      {
        id: 'Patient.gender',
        path: 'Patient.gender',
        min: 1,
        constraint: [{ key: 'test-1', severity: 'error', human: 'x', expression: 'true' }],
      },
    ]);
    const gender = els.find((e) => e.id === 'Patient.gender')!;
    expect(gender.min).toBe(1);
    expect(gender.constraint!.map((c) => c.key)).toEqual(['ele-1', 'test-1']);
    expect(gender.binding?.valueSet).toContain('administrative-gender');
  });

  it('places a slice after the sliced element and expands its type for constraints inside it', () => {
    const els = snapshot([
      {
        id: 'Patient.identifier',
        path: 'Patient.identifier',
        slicing: { discriminator: [{ type: 'value', path: 'system' }], rules: 'open' },
      },
      { id: 'Patient.identifier:fnr', path: 'Patient.identifier', sliceName: 'fnr', max: '1' },
      { id: 'Patient.identifier:fnr.system', path: 'Patient.identifier.system', min: 1, fixedUri: 'urn:oid:2.16.578.1.12.4.1.4.1' },
    ]);
    const ids = els.map((e) => e.id);
    const at = ids.indexOf('Patient.identifier:fnr');
    expect(at).toBe(ids.indexOf('Patient.identifier') + 1);
    expect(ids.slice(at + 1, at + 9)).toEqual(
      expect.arrayContaining(['Patient.identifier:fnr.system', 'Patient.identifier:fnr.value', 'Patient.identifier:fnr.period']),
    );
    const system = els.find((e) => e.id === 'Patient.identifier:fnr.system')!;
    expect(system).toMatchObject({ path: 'Patient.identifier.system', min: 1, fixedUri: 'urn:oid:2.16.578.1.12.4.1.4.1' });
    expect(els.find((e) => e.id === 'Patient.identifier:fnr')!.slicing).toBeUndefined();
  });

  it('reads a renamed choice (valueQuantity) as a type restriction of value[x]', () => {
    const els = snapshot([{ id: 'Observation.valueQuantity', path: 'Observation.valueQuantity', min: 1 }], 'Observation');
    expect(els.find((e) => e.id === 'Observation.value[x]')).toMatchObject({ min: 1, type: [{ code: 'Quantity' }] });
  });

  it('gives an extension slice the extension definition’s cardinality, never more, and its inner slices', () => {
    const store = new ConformanceStore(baseConformance());
    const ext = {
      resourceType: 'StructureDefinition',
      id: 'test-official',
      url: 'http://samsvar.test/StructureDefinition/official',
      name: 'Official',
      status: 'active',
      kind: 'complex-type',
      abstract: false,
      type: 'Extension',
      baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Extension',
      derivation: 'constraint',
      differential: {
        element: [
          { id: 'Extension', path: 'Extension', max: '1' },
          { id: 'Extension.extension:kilde', path: 'Extension.extension', sliceName: 'kilde', max: '1' },
        ],
      },
    } as unknown as StructureDefinition;
    const sd = profileOn('Patient', 'test-ext-card', [
      {
        id: 'Patient.extension:official',
        path: 'Patient.extension',
        sliceName: 'official',
        max: '*',
        type: [{ code: 'Extension', profile: [ext.url] }],
      },
      { id: 'Patient.extension:official.extension:kilde', path: 'Patient.extension.extension', sliceName: 'kilde', min: 1 },
    ]) as StructureDefinition;
    store.add(ext);
    store.add(sd);
    const els = snapshotOf(sd, store);
    expect(els.find((e) => e.id === 'Patient.extension:official')).toMatchObject({ min: 0, max: '1' });
    expect(els.find((e) => e.id === 'Patient.extension:official.extension:kilde')).toMatchObject({ min: 1, max: '1' });
    expect(els.filter((e) => e.id === 'Patient.extension:official.extension:kilde')).toHaveLength(1);
  });

  it('constrains inside an element defined by reference (Parameters.parameter.part), with the children of the element it names', () => {
    const els = snapshot(
      [
        {
          id: 'Parameters.parameter',
          path: 'Parameters.parameter',
          slicing: { discriminator: [{ type: 'value', path: 'name' }], rules: 'open' },
        },
        { id: 'Parameters.parameter:adresse', path: 'Parameters.parameter', sliceName: 'adresse' },
        {
          id: 'Parameters.parameter:adresse.part',
          path: 'Parameters.parameter.part',
          slicing: { discriminator: [{ type: 'value', path: 'name' }], rules: 'open' },
        },
        { id: 'Parameters.parameter:adresse.part:nummer', path: 'Parameters.parameter.part', sliceName: 'nummer', min: 1 },
        { id: 'Parameters.parameter:adresse.part:nummer.name', path: 'Parameters.parameter.part.name', fixedString: 'nummer' },
      ],
      'Parameters',
    );
    expect(els.find((e) => e.id === 'Parameters.parameter:adresse.part:nummer.name')).toMatchObject({
      path: 'Parameters.parameter.part.name',
      fixedString: 'nummer',
      type: [{ code: 'string' }],
    });
    expect(els.find((e) => e.id === 'Parameters.parameter:adresse.part:nummer.value[x]')).toBeDefined();
  });

  it('refuses a differential element that matches nothing in the base', () => {
    expect(() => snapshot([{ id: 'Patient.fodselsnummer', path: 'Patient.fodselsnummer', min: 1 }])).toThrow(SamsvarError);
  });

  it('places a differential element whose id names another element by its path, as the HL7 validator does', () => {
    // A published IPS profile has such an element; FHIR-SD-PATH reports it when the profile itself is validated.
    const els = snapshot([{ id: 'Patient.birthDate', path: 'Patient.deceased[x]', min: 1 }]);
    expect(els.find((e) => e.id === 'Patient.deceased[x]')).toMatchObject({ min: 1 });
    expect(els.find((e) => e.id === 'Patient.birthDate')?.min).toBe(0);
    expect(
      snapshot([{ id: 'Patient.deceasedBoolean', path: 'Patient.deceased[x]', min: 1 }]).find((e) => e.id === 'Patient.deceased[x]'),
    ).toMatchObject({
      min: 1,
      type: [{ code: 'boolean' }],
    });
  });
});
