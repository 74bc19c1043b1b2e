import { describe, expect, it } from 'vitest';
import { FhirValidator } from '../../src/fhir/fhir-validator.js';
import { catalogWith, check, errors, findingOf, profileOn } from './helpers.js';

const text = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' };
const UCUM = 'http://unitsofmeasure.org';

describe('minValue and maxValue of a profile (pat-minvalue-date, obs-value-min, obs-value-min-g, obs-value-max-g)', () => {
  const v = new FhirValidator(
    catalogWith([
      {
        id: 'test-born-late',
        sd: profileOn('Patient', 'test-born-late', [{ id: 'Patient.birthDate', path: 'Patient.birthDate', minValueDate: '2025-01-01' }]),
      },
      {
        id: 'test-weight',
        sd: profileOn('Observation', 'test-weight', [
          {
            id: 'Observation.value[x]',
            path: 'Observation.value[x]',
            type: [{ code: 'Quantity' }],
            minValueQuantity: { value: 0, system: UCUM, code: 'kg' },
            maxValueQuantity: { value: 10, system: UCUM, code: 'kg' },
          },
        ]),
      },
    ]),
  );
  const weight = (value: number, code: string) => ({
    resourceType: 'Observation',
    text,
    status: 'final',
    code: { text: 'vekt' },
    valueQuantity: { value, system: UCUM, code },
  });

  it('refuses a date before the minimum', async () => {
    expect(
      findingOf(await check(v, { resourceType: 'Patient', text, birthDate: '2024-12-31' }, 'test-born-late'), 'FHIR-VALUE-LIMIT').message,
    ).toContain('2025-01-01');
    expect(errors(await check(v, { resourceType: 'Patient', text, birthDate: '2025-03-01' }, 'test-born-late'))).toEqual([]);
  });

  it('compares quantities in units that differ by a metric prefix (11000 g is more than 10 kg)', async () => {
    expect(errors(await check(v, weight(9000, 'g'), 'test-weight'))).toEqual([]);
    expect(findingOf(await check(v, weight(11000, 'g'), 'test-weight'), 'FHIR-VALUE-LIMIT').message).toContain('greater');
    expect(findingOf(await check(v, weight(-1, 'kg'), 'test-weight'), 'FHIR-VALUE-LIMIT').message).toContain('less');
  });

  it('converts UCUM units of the same kind, and leaves units it cannot convert unjudged', async () => {
    expect(findingOf(await check(v, weight(23, '[lb_av]'), 'test-weight'), 'FHIR-VALUE-LIMIT').message).toContain('greater');
    expect(errors(await check(v, weight(21, '[lb_av]'), 'test-weight'))).toEqual([]);
    // A length is no weight, and "kilo" is no UCUM code: neither can be set against kilograms.
    expect(errors(await check(v, weight(5000, 'm'), 'test-weight'))).toEqual([]);
    expect(errors(await check(v, weight(5000, 'kilo'), 'test-weight'))).toEqual([]);
  });
});

describe('an Attachment states the size of its data (attachment-with-wrong-size)', () => {
  it('refuses a size that is not the number of bytes in data', async () => {
    const { baseValidator } = await import('./helpers.js');
    const v = baseValidator();
    const media = (size: number) => ({
      resourceType: 'Media',
      text,
      status: 'completed',
      content: { contentType: 'text/plain', data: Buffer.from('Hei, verden!').toString('base64'), size },
    });
    expect(errors(await check(v, media(12)))).toEqual([]);
    expect(findingOf(await check(v, media(100)), 'FHIR-ATTACHMENT-SIZE').message).toContain('holds 12');
  });
});

describe('what a profile says of a primitive value beyond its type', () => {
  const R5 = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-ElementDefinition.';
  const ABSENT = 'http://hl7.org/fhir/StructureDefinition/data-absent-reason';
  const NULL_FLAVOR = 'http://hl7.org/fhir/StructureDefinition/iso21090-nullFlavor';
  const v = new FhirValidator(
    catalogWith([
      {
        id: 'test-long-id',
        sd: profileOn('Patient', 'test-long-id', [
          {
            id: 'Patient.id',
            path: 'Patient.id',
            extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/minLength', valueInteger: 20 }],
          },
        ]),
      },
      {
        id: 'test-active-valued',
        sd: profileOn('Patient', 'test-active-valued', [
          { id: 'Patient.active', path: 'Patient.active', min: 1, extension: [{ url: `${R5}mustHaveValue`, valueBoolean: true }] },
        ]),
      },
      {
        id: 'test-active-or-reason',
        sd: profileOn('Patient', 'test-active-or-reason', [
          { id: 'Patient.active', path: 'Patient.active', min: 1, extension: [{ url: `${R5}valueAlternatives`, valueCanonical: ABSENT }] },
        ]),
      },
    ]),
  );
  const withoutValue = (url: string, value: Record<string, unknown>) => ({
    resourceType: 'Patient',
    text,
    _active: { extension: [{ url, ...value }] },
  });

  it('holds a string to the minimum length of the minLength extension', async () => {
    const short = findingOf(await check(v, { resourceType: 'Patient', id: 'kort-id', text }, 'test-long-id'), 'FHIR-VALUE-LIMIT');
    expect(short).toMatchObject({ severity: 'error', path: 'Patient.id' });
    expect(short.message).toContain('minimum length of 20');
    expect(errors(await check(v, { resourceType: 'Patient', id: 'a-long-enough-id-0001', text }, 'test-long-id'))).toEqual([]);
  });

  it('refuses a primitive given only extensions where the profile says it must have a value (mustHaveValue)', async () => {
    const r = await check(v, withoutValue(ABSENT, { valueCode: 'unknown' }), 'test-active-valued');
    expect(findingOf(r, 'FHIR-VALUE-ABSENT')).toMatchObject({ severity: 'error', path: 'Patient.active' });
    expect(errors(await check(v, { resourceType: 'Patient', text, active: true }, 'test-active-valued'))).toEqual([]);
  });

  it('accepts in place of a value only the extensions the profile names (valueAlternatives)', async () => {
    expect(errors(await check(v, withoutValue(ABSENT, { valueCode: 'unknown' }), 'test-active-or-reason'))).toEqual([]);
    const r = await check(v, withoutValue(NULL_FLAVOR, { valueCode: 'MSK' }), 'test-active-or-reason');
    expect(findingOf(r, 'FHIR-VALUE-ABSENT').message).toContain(ABSENT);
  });
});
