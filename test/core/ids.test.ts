import { describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.js';

describe('generated ids', () => {
  const ids = Array.from({ length: 20_000 }, () => newId());

  it('never start with "-", so a command line never takes one for an option', () => {
    // With nanoid's default alphabet one id in 64 started with "-".
    expect(ids.filter((id) => id.startsWith('-'))).toEqual([]);
  });

  it('are valid FHIR ids (letters, digits; no "_"), so a declaration id can name its FHIR rendering', () => {
    expect(ids.filter((id) => !/^[A-Za-z0-9\-.]{1,64}$/.test(id))).toEqual([]);
    expect(newId(16)).toMatch(/^[A-Za-z0-9]{16}$/);
  });

  it('do not repeat', () => {
    expect(new Set(ids).size).toBe(ids.length);
  });
});
