import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifestBytes } from '../../src/profiles/manifest-schema.js';

/** A manifest checked once is remembered in the disk cache by its exact bytes; an invalid one never is. */
let dir: string;
let before: string | undefined;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'samsvar-manifest-cache-'));
  before = process.env.SAMSVAR_CACHE_DIR;
  process.env.SAMSVAR_CACHE_DIR = dir;
});
afterAll(() => {
  if (before === undefined) delete process.env.SAMSVAR_CACHE_DIR;
  else process.env.SAMSVAR_CACHE_DIR = before;
  rmSync(dir, { recursive: true, force: true });
});

const bytes = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
const valid = { id: 'x-profile', version: '1.0.0', title: 'X', kind: 'xml', schema: 'x.xsd' };
const entries = () => {
  try {
    return readdirSync(path.join(dir, 'manifest-valid')).length;
  } catch {
    return 0;
  }
};

describe('profile manifests and the disk cache', () => {
  it('records a valid manifest once and reads it back the same', () => {
    expect(parseManifestBytes(bytes(valid), 'profile.json')).toEqual(valid);
    expect(entries()).toBe(1);
    expect(parseManifestBytes(bytes(valid), 'profile.json')).toEqual(valid);
    expect(entries()).toBe(1);
  });

  it('checks a changed manifest again, and refuses an invalid one every time without recording it', () => {
    const invalid = bytes({ ...valid, id: 'Capitals Not Allowed' });
    for (let i = 0; i < 2; i++) expect(() => parseManifestBytes(invalid, 'profile.json')).toThrow(/not a valid profile manifest/);
    expect(() => parseManifestBytes(new TextEncoder().encode('{'), 'profile.json')).toThrow(/not valid JSON/);
    expect(entries()).toBe(1);
    parseManifestBytes(bytes({ ...valid, title: 'Y' }), 'profile.json');
    expect(entries()).toBe(2);
  });
});
