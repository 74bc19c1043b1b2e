import { describe, expect, it } from 'vitest';
import { navigate } from '../../src/fhir/plain-values.js';

describe('navigating plain JSON by a discriminator path', () => {
  it('steps into repeating elements and extensions by url', () => {
    const patient = {
      name: [{ given: ['Kari', 'Anne'] }, { given: ['K.'] }],
      extension: [
        { url: 'a', valueString: '1' },
        { url: 'b', valueString: '2' },
      ],
    };
    expect(navigate(patient, 'name.given')).toEqual(['Kari', 'Anne', 'K.']);
    expect(navigate(patient, "extension('b').value")).toEqual(['2']);
  });

  it('takes an array of 200,000 values (no argument-list overflow)', () => {
    const many = Array.from({ length: 200_000 }, (_, i) => ({ url: i % 2 ? 'a' : 'b', valueString: String(i) }));
    expect(navigate({ given: many.map((e) => e.valueString) }, 'given')).toHaveLength(200_000);
    expect(navigate({ extension: many }, "extension('a')")).toHaveLength(100_000);
  });
});
