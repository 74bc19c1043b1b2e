import { readFileSync } from 'node:fs';
import path from 'node:path';
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4/index.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { SHIPPED_PROFILES_DIR } from '../../src/core/paths.js';
import type { StructureDefinition } from '../../src/fhir/conformance-store.js';
import { FhirValidator } from '../../src/fhir/fhir-validator.js';
import { compiledExpressionCount, DOM3_EXPRESSION, evaluateInvariant } from '../../src/fhir/invariants.js';
import { checkOrgNumber, checkPersonNumber, mod11ControlDigit } from '../../src/identifiers/norwegian-ids.js';
import { growthRatio, LINEAR_RATIO_LIMIT } from '../support/growth.js';
import { baseValidator, catalogWith, check, errors, findingOf, profileOn, rules } from './helpers.js';

const BDL7 = "(type = 'history') or entry.where(fullUrl.exists()).select(fullUrl&resource.meta.versionId).isDistinct()";
const REF1 = "reference.startsWith('#').not() or (reference.substring(1).trace('url') in %rootResource.contained.id.trace('ids'))";

function shippedConstraint(profileDir: string, file: string, key: string): string {
  const sd = JSON.parse(readFileSync(path.join(SHIPPED_PROFILES_DIR, profileDir, file), 'utf8')) as StructureDefinition;
  for (const e of sd.differential!.element) for (const c of e.constraint ?? []) if (c.key === key) return c.expression!;
  throw new Error(`${key} not in ${file}`);
}

/** A deterministic stream of pseudo-random digits, so a failure can be reproduced. */
function* digits(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x = (x * 1103515245 + 12345) % 2147483648;
    yield Math.floor((x / 2147483648) * 10);
  }
}

function personNumbers(count: number): string[] {
  const out: string[] = [];
  const g = digits(42);
  const next = () => g.next().value as number;
  const K1 = [3, 7, 6, 1, 8, 9, 4, 5, 2];
  const K2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
  for (let i = 0; i < count; i++) {
    // Plausible dates with real, synthetic (+40, +80) and D-nummer (+40 on the day) forms, then control digits.
    const day = 1 + ((next() * 10 + next()) % 31) + (i % 3 === 0 ? 40 : 0);
    const month = 1 + ((next() * 10 + next()) % 12) + [0, 40, 80][i % 3];
    const nine = `${String(day).padStart(2, '0')}${String(month).padStart(2, '0')}${next()}${next()}${next()}${next()}${next()}`;
    const d = [...nine].map(Number);
    const k1 = mod11ControlDigit(d, K1);
    const k2 = k1 === null ? null : mod11ControlDigit([...d, k1], K2);
    const valid = k1 !== null && k2 !== null ? `${nine}${k1}${k2}` : `${nine}00`;
    out.push(valid);
    // And corruptions: one digit changed, two digits swapped, random digits.
    const pos = i % 11;
    out.push(valid.slice(0, pos) + String((Number(valid[pos]) + 1 + (i % 9)) % 10) + valid.slice(pos + 1));
    out.push(valid.slice(0, pos) + (valid[pos + 1] ?? '') + valid[pos] + valid.slice(pos + 2));
    out.push(Array.from({ length: 11 }, () => next()).join(''));
  }
  return out;
}

describe('the Norwegian identifier invariants (FHIRPath) agree with the reference implementation', () => {
  const fnr = shippedConstraint('no-basis-patient', 'StructureDefinition-no-basis-Patient.json', 'no-basis-fnr');
  const dnr = shippedConstraint('no-basis-patient', 'StructureDefinition-no-basis-Patient.json', 'no-basis-dnr');
  const orgnr = shippedConstraint('no-basis-organization', 'StructureDefinition-no-basis-Organization.json', 'no-basis-orgnr');
  const holds = (expr: string, value: string) =>
    evaluateInvariant('Patient.identifier', expr, { system: 'x', value }, {}, {}).status === 'pass';

  it('no-basis-fnr and no-basis-dnr on 2,400 valid, corrupted and random numbers', () => {
    const numbers = personNumbers(600);
    let validSeen = 0;
    for (const n of numbers) {
      const ref = checkPersonNumber(n);
      if (ref.ok) validSeen++;
      expect(holds(fnr, n), `fnr ${n}`).toBe(ref.ok && ref.kind === 'fnr');
      expect(holds(dnr, n), `dnr ${n}`).toBe(ref.ok && ref.kind === 'dnr');
    }
    expect(validSeen).toBeGreaterThan(300);
  });

  it('no-basis-fnr refuses wrong lengths and non-digits', () => {
    for (const n of ['1343721003', '134372100333', '1343721003a', '', '13437 10033']) expect(holds(fnr, n), n).toBe(false);
  });

  it('no-basis-orgnr on valid, corrupted and random organisation numbers', () => {
    const g = digits(7);
    let valid = 0;
    for (let i = 0; i < 1500; i++) {
      const n = Array.from({ length: 9 }, () => g.next().value).join('');
      const fixed = n.slice(0, 8) + String(mod11ControlDigit([...n].map(Number), [3, 2, 7, 6, 5, 4, 3, 2]) ?? 0);
      for (const candidate of [n, fixed]) {
        if (checkOrgNumber(candidate).ok) valid++;
        expect(holds(orgnr, candidate), candidate).toBe(checkOrgNumber(candidate).ok);
      }
    }
    expect(valid).toBeGreaterThan(1000);
  });
});

describe('invariants in validation', () => {
  let base: FhirValidator;
  beforeAll(() => {
    base = baseValidator();
  });

  it('evaluates the base invariants of data types (per-1 on Period)', async () => {
    const r = await check(base, {
      resourceType: 'Encounter',
      status: 'finished',
      class: { code: 'AMB' },
      period: { start: '2024-02-01T10:00:00Z', end: '2024-01-01T10:00:00Z' },
    });
    const f = findingOf(r, 'FHIR-INVARIANT-per-1');
    expect(f).toMatchObject({ severity: 'error', layer: 'invariant', path: 'Encounter.period' });
    expect(f.message).toContain('start SHALL have a lower value than end');
  });

  it('evaluates resource-level invariants with %resource (dom-3: contained resources must be referenced)', async () => {
    const r = await check(base, { resourceType: 'Patient', contained: [{ resourceType: 'Organization', id: 'o1', name: 'x' }] });
    expect(findingOf(r, 'FHIR-INVARIANT-dom-3').severity).toBe('error');
  });

  it('judges dom-3 as FHIRPath would: referenced from the container, from inside another contained resource, or pointing back at "#"', async () => {
    const r = await check(base, {
      resourceType: 'Patient',
      managingOrganization: { reference: '#o1' },
      contained: [
        { resourceType: 'Organization', id: 'o1', name: 'x', partOf: { reference: '#o2' } },
        { resourceType: 'Organization', id: 'o2', name: 'y' },
        { resourceType: 'Organization', id: 'o3', name: 'z', partOf: { reference: '#' } },
      ],
    });
    expect(rules(r)).not.toContain('FHIR-INVARIANT-dom-3');
    const unreferenced = await check(base, {
      resourceType: 'Patient',
      managingOrganization: { reference: '#o1' },
      contained: [
        { resourceType: 'Organization', id: 'o1' },
        { resourceType: 'Organization', id: 'o9', name: 'nobody points here', partOf: { reference: '#o1' } },
      ],
    });
    expect(findingOf(unreferenced, 'FHIR-INVARIANT-dom-3').severity).toBe('error');
  });

  it('counts a link or an image in the narrative as a reference to a contained resource for dom-3 (HL7 case binary-ref-internal)', async () => {
    const withImage = (div: string) => ({
      resourceType: 'Patient',
      text: { status: 'generated', div },
      contained: [{ resourceType: 'Binary', id: 'bilde', contentType: 'image/png', data: 'iVBORw0KGgo=' }],
    });
    expect(
      rules(await check(base, withImage('<div xmlns="http://www.w3.org/1999/xhtml"><img src="#bilde" alt="bilde"/></div>'))),
    ).not.toContain('FHIR-INVARIANT-dom-3');
    expect(rules(await check(base, withImage('<div xmlns="http://www.w3.org/1999/xhtml"><a href="#bilde">bilde</a></div>')))).not.toContain(
      'FHIR-INVARIANT-dom-3',
    );
    // Text that merely mentions it is no reference.
    expect(rules(await check(base, withImage('<div xmlns="http://www.w3.org/1999/xhtml">src="#bilde"</div>')))).toContain(
      'FHIR-INVARIANT-dom-3',
    );
  });

  it('accepts xml:lang and xml:space in a narrative (txt-1), as the HL7 validator does', async () => {
    const narrative = (div: string) => ({ resourceType: 'Patient', text: { status: 'generated', div } });
    const bilingual =
      '<div xmlns="http://www.w3.org/1999/xhtml"><div xml:lang="nb" lang="nb">Pasient</div><pre xml:space="preserve">x</pre></div>';
    expect(errors(await check(base, narrative(bilingual)))).toEqual([]);
    // Taking them out reads long white space once, not again from every space in it.
    const spaced = (n: number) => `<div xmlns="http://www.w3.org/1999/xhtml">${' '.repeat(n)}x</div>`;
    expect(await growthRatio((n) => evaluateInvariant('Narrative.div', 'htmlChecks()', spaced(n), {}, {}), 20_000)).toBeLessThan(
      LINEAR_RATIO_LIMIT,
    );
    // The rest of the narrative rules still apply.
    expect(
      errors(await check(base, narrative('<div xmlns="http://www.w3.org/1999/xhtml" xml:lang="nb"><script>x</script></div>'))),
    ).toContain('FHIR-INVARIANT-txt-1');
  });

  it('checks dom-3 with work linear in the number of contained resources', async () => {
    const linked = (n: number) => ({
      resourceType: 'Patient',
      link: Array.from({ length: n }, (_, i) => ({ other: { reference: `#p${i}` }, type: 'seealso' })),
      contained: Array.from({ length: n }, (_, i) => ({ resourceType: 'Patient', id: `p${i}`, name: [{ family: 'Nordmann' }] })),
    });
    expect(await growthRatio((n) => check(base, linked(n)), 200)).toBeLessThan(LINEAR_RATIO_LIMIT);
    expect(rules(await check(base, linked(1600)))).not.toContain('FHIR-INVARIANT-dom-3');
  });

  it('reads dom-3 through a resource holding an array of 200,000 values (no argument-list overflow)', () => {
    const resource = {
      resourceType: 'Patient',
      contained: [{ resourceType: 'Organization', id: 'o1' }],
      name: [{ given: Array.from({ length: 200_000 }, () => 'Kari') }],
      managingOrganization: { reference: '#o1' },
    };
    expect(evaluateInvariant('Patient', DOM3_EXPRESSION, resource, resource, resource)).toEqual({ status: 'pass' });
  });

  it('judges ref-1 (a "#id" reference names a contained resource) as the FHIRPath expression does', () => {
    const root = {
      resourceType: 'Patient',
      contained: [
        { resourceType: 'Organization', id: 'o1' },
        { resourceType: 'Organization', id: 'o2' },
      ],
    };
    const bare = { resourceType: 'Patient' };
    const cases: [unknown, unknown][] = [
      [{ reference: '#o1' }, root],
      [{ reference: '#o3' }, root],
      [{ reference: '#' }, root],
      [{ reference: 'Organization/1' }, root],
      [{ display: 'no reference at all' }, root],
      [{ reference: '#o1' }, bare],
    ];
    for (const [reference, rootResource] of cases) {
      const byFhirpath = fhirpath.evaluate(
        reference,
        REF1,
        { rootResource, resource: rootResource } as never,
        r4model as never,
      ) as unknown[];
      const expected = byFhirpath.length === 0 || byFhirpath[0] === true ? 'pass' : 'fail';
      expect([reference, evaluateInvariant('Reference', REF1, reference, rootResource, rootResource).status]).toEqual([
        reference,
        expected,
      ]);
    }
  });

  it('checks ref-1 with work linear in the number of contained resources that refer to each other', async () => {
    // A ring: each contained resource refers to the next, so there are as many references as contained resources.
    const ring = (n: number) => ({
      resourceType: 'Patient',
      managingOrganization: { reference: '#o0' },
      contained: Array.from({ length: n }, (_, i) => ({
        resourceType: 'Organization',
        id: `o${i}`,
        name: 'x',
        partOf: { reference: `#o${(i + 1) % n}` },
      })),
    });
    expect(await growthRatio((n) => check(base, ring(n)), 200)).toBeLessThan(LINEAR_RATIO_LIMIT);
    expect(errors(await check(base, ring(1600)))).toEqual([]);
  });

  it('judges bdl-7 (full URLs unique, unless the versionIds differ) as the FHIRPath expression does', () => {
    const entry = (fullUrl?: string, versionId?: string) => ({
      ...(fullUrl ? { fullUrl } : {}),
      resource: { resourceType: 'Patient', ...(versionId ? { meta: { versionId } } : {}) },
    });
    const cases: unknown[] = [
      { resourceType: 'Bundle', type: 'collection', entry: [entry('urn:uuid:a'), entry('urn:uuid:b')] },
      { resourceType: 'Bundle', type: 'collection', entry: [entry('urn:uuid:a'), entry('urn:uuid:a')] },
      { resourceType: 'Bundle', type: 'collection', entry: [entry('urn:uuid:a', '1'), entry('urn:uuid:a', '2')] },
      { resourceType: 'Bundle', type: 'collection', entry: [entry('urn:uuid:a', '1'), entry('urn:uuid:a', '1')] },
      { resourceType: 'Bundle', type: 'collection', entry: [entry(), entry(), entry('urn:uuid:a')] },
      { resourceType: 'Bundle', type: 'history', entry: [entry('urn:uuid:a'), entry('urn:uuid:a')] },
      { resourceType: 'Bundle', entry: [entry('urn:uuid:a'), entry('urn:uuid:b')] },
      { resourceType: 'Bundle', entry: [entry('urn:uuid:a'), entry('urn:uuid:a')] },
      { resourceType: 'Bundle', type: 'collection' },
    ];
    const verdicts = cases.map((bundle) => {
      const byFhirpath = fhirpath.evaluate(
        bundle,
        BDL7,
        { resource: bundle, rootResource: bundle } as never,
        r4model as never,
      ) as unknown[];
      return [byFhirpath[0] === true ? 'pass' : 'fail', evaluateInvariant('Bundle', BDL7, bundle, bundle, bundle).status];
    });
    expect(verdicts.map(([expected]) => expected)).toEqual(['pass', 'fail', 'pass', 'fail', 'pass', 'pass', 'pass', 'fail', 'pass']);
    for (const [expected, actual] of verdicts) expect(actual).toBe(expected);
  });

  it('checks bdl-7 with work linear in the number of entries', async () => {
    const bundle = (n: number) => ({
      resourceType: 'Bundle',
      type: 'collection',
      entry: Array.from({ length: n }, (_, i) => ({ fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}` })),
    });
    const judged = (n: number) => {
      const b = bundle(n);
      return evaluateInvariant('Bundle', BDL7, b, b, b);
    };
    expect(await growthRatio(judged, 2000)).toBeLessThan(LINEAR_RATIO_LIMIT);
    const duplicated = bundle(2000);
    duplicated.entry.push(duplicated.entry[1234]!);
    expect(evaluateInvariant('Bundle', BDL7, duplicated, duplicated, duplicated).status).toBe('fail');
  });

  it('reports a best-practice constraint (dom-6, narrative) as information only', async () => {
    const r = await check(base, { resourceType: 'Patient', gender: 'male' });
    expect(findingOf(r, 'FHIR-INVARIANT-dom-6').severity).toBe('information');
    expect(errors(r)).toEqual([]);
  });

  it('keeps the severity a profile gives its own constraint', async () => {
    const sd = profileOn('Patient', 'test-warn', [
      {
        id: 'Patient',
        path: 'Patient',
        constraint: [{ key: 'test-1', severity: 'warning', human: 'A patient should have a name', expression: 'name.exists()' }],
      },
    ]);
    const v = new FhirValidator(catalogWith([{ id: 'test-warn', sd }]));
    const r = await check(
      v,
      { resourceType: 'Patient', text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' } },
      'test-warn',
    );
    expect(findingOf(r, 'FHIR-INVARIANT-test-1')).toMatchObject({ severity: 'warning', path: 'Patient' });
    expect(errors(r)).toEqual([]);
  });

  it('compiles each expression once, not per resource', async () => {
    const encounter = (i: number) => ({
      resourceType: 'Encounter',
      id: `e${i}`,
      status: 'finished',
      class: { code: 'AMB' },
      period: { start: '2024-01-01', end: '2024-02-01' },
    });
    await check(base, encounter(0));
    const afterFirst = compiledExpressionCount();
    for (let i = 1; i < 50; i++) await check(base, encounter(i));
    expect(compiledExpressionCount()).toBe(afterFirst);
  });
});

describe('memberOf() in an invariant (HL7 case member-of-CC)', () => {
  const SYSTEM = 'http://samsvar.test/CodeSystem/alvorlighet';
  const VS = 'http://samsvar.test/ValueSet/lav-alvorlighet';
  const valueSet = {
    resourceType: 'ValueSet',
    id: 'lav-alvorlighet',
    url: VS,
    status: 'active',
    compose: { include: [{ system: SYSTEM, concept: [{ code: 'lav' }] }] },
  };
  const constrained = (vs: string) =>
    profileOn('Basic', `test-member-of-${vs === VS ? 'known' : 'unknown'}`, [
      {
        id: 'Basic.code',
        path: 'Basic.code',
        constraint: [{ key: 'bc-mm-1', severity: 'error', human: 'must be in the value set', expression: `memberOf('${vs}')` }],
      },
    ]);
  let v: FhirValidator;
  beforeAll(() => {
    v = new FhirValidator(
      catalogWith([
        { id: 'test-member-of-known', sd: constrained(VS), extra: [valueSet as never] },
        { id: 'test-member-of-unknown', sd: constrained('http://samsvar.test/ValueSet/ukjent') },
      ]),
    );
  });
  const text = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' };
  const basic = (code: string) => ({ resourceType: 'Basic', text, code: { coding: [{ system: SYSTEM, code }] } });

  it('is answered from the loaded ValueSets, without a terminology server', async () => {
    expect(errors(await check(v, basic('lav'), 'test-member-of-known'))).toEqual([]);
    expect(errors(await check(v, basic('hoy'), 'test-member-of-known'))).toEqual(['FHIR-INVARIANT-bc-mm-1']);
  });

  it('is not evaluated, rather than failed, when the ValueSet is not loaded', async () => {
    const r = await check(v, basic('lav'), 'test-member-of-unknown');
    expect(errors(r)).toEqual([]);
    expect(findingOf(r, 'FHIR-INVARIANT-UNEVALUATED').message).toContain('is not loaded');
  });
});
