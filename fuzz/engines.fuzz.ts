import fc from 'fast-check';
import { describe, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { loadCatalog } from '../src/profiles/catalog.js';
import { answersOrRefuses, mutated, runs, SEED, shippedExamples } from './inputs.js';

const engine = new Engine(loadCatalog());
const XML_PROFILES = ['apprec-1.0', 'dialogmelding-1.1-foresporsel', 'henvisning-1.0'];
const FHIR_PROFILES = ['no-basis-patient', 'no-basis-organization', 'no-basis-practitioner'];

/** A small element tree with hostile names, attributes and text. */
const xmlTree: fc.Arbitrary<string> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ maxLength: 20 }).map((s) => s.replace(/[<&]/g, '')),
    fc
      .tuple(
        fc.constantFrom('a', 'MsgHead', 'x:y', 'Patient', '_', 'é'),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.string({ maxLength: 10 }),
      )
      .map(([name, kids, attr]) => `<${name} v="${attr.replace(/["<&]/g, '')}">${(kids as string[]).join('')}</${name}>`),
  ),
})).node;

describe('the engines never let an exception escape on hostile input', () => {
  it('XML: mutated shipped messages, against their profile and detected', async () => {
    const seeds = shippedExamples(XML_PROFILES, '.xml');
    await fc.assert(
      fc.asyncProperty(mutated(seeds), fc.constantFrom(undefined, ...XML_PROFILES), async (bytes, profile) => {
        await answersOrRefuses(() => engine.validate(bytes, { profile, format: 'xml' }));
      }),
      { numRuns: runs(2500), seed: SEED },
    );
  });

  it('XML: generated trees and raw bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          xmlTree.map((s) => Buffer.from(`<?xml version="1.0"?>${s}`)),
          fc.uint8Array({ maxLength: 300 }),
        ),
        async (bytes) => {
          await answersOrRefuses(() => engine.validate(bytes));
        },
      ),
      { numRuns: runs(2000), seed: SEED },
    );
  });

  it('FHIR: mutated shipped resources, against their profile and detected', async () => {
    const seeds = shippedExamples(FHIR_PROFILES, '.json');
    await fc.assert(
      fc.asyncProperty(mutated(seeds), fc.constantFrom(undefined, ...FHIR_PROFILES), async (bytes, profile) => {
        await answersOrRefuses(() => engine.validate(bytes, { profile, format: 'fhir' }));
      }),
      { numRuns: runs(1000), seed: SEED },
    );
  });

  it('FHIR: generated JSON with a resource type', async () => {
    const resource = fc.record({
      resourceType: fc.constantFrom('Patient', 'Bundle', 'Observation', 'Organization', 'Practitioner', '__proto__', ''),
      rest: fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }),
    });
    await fc.assert(
      fc.asyncProperty(resource, async ({ resourceType, rest }) => {
        await answersOrRefuses(() => engine.validate(Buffer.from(JSON.stringify({ ...rest, resourceType })), { format: 'fhir' }));
      }),
      { numRuns: runs(2000), seed: SEED },
    );
  });
});
