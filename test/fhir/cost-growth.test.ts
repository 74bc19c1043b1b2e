import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FhirValidator } from '../../src/fhir/fhir-validator.js';
import { ProfileCatalog } from '../../src/profiles/catalog.js';
import { growthRatio, LINEAR_RATIO_LIMIT } from '../support/growth.js';
import { check } from './helpers.js';

const text = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' };
const validator = new FhirValidator(new ProfileCatalog());

/** An Observation whose n contained Observations refer to each other in a ring, the first referred to by the container. */
function containedRing(n: number) {
  const contained = Array.from({ length: n }, (_, i) => ({
    resourceType: 'Observation',
    id: `o${i}`,
    status: 'final',
    code: { text: 'x' },
    hasMember: [{ reference: `#o${(i + 1) % n}` }],
  }));
  return { resourceType: 'Observation', text, status: 'final', code: { text: 'x' }, contained, hasMember: [{ reference: '#o0' }] };
}

/** A collection Bundle of n Patients, each referring to the next by its full URL. */
function bundleOf(n: number) {
  const urls = Array.from({ length: n }, () => `urn:uuid:${randomUUID()}`);
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: urls.map((fullUrl, i) => ({
      fullUrl,
      resource: { resourceType: 'Patient', text, link: [{ other: { reference: urls[(i + 1) % n] }, type: 'seealso' }] },
    })),
  };
}

describe('FHIR validation cost grows linearly with the input', () => {
  it('for contained resources referring to each other (n vs 8n)', async () => {
    const r = await check(validator, containedRing(200));
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(await growthRatio((n) => check(validator, containedRing(n)), 150)).toBeLessThan(LINEAR_RATIO_LIMIT);
  });

  it('for Bundle entries referring to each other by full URL (n vs 8n)', async () => {
    const r = await check(validator, bundleOf(200));
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(await growthRatio((n) => check(validator, bundleOf(n)), 150)).toBeLessThan(LINEAR_RATIO_LIMIT);
  });
});
