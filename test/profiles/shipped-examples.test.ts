import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { loadCatalog } from '../../src/profiles/catalog.js';

/**
 * Every shipped profile's examples are part of its specification: valid ones must pass with no
 * error finding, invalid ones must fail and trigger the rule ids they name (file name up to `--`,
 * or the manifest's examples.invalid entry).
 */
const catalog = loadCatalog({ importedDir: '/nonexistent-samsvar-data' });
const engine = new Engine(catalog);

function examples(dir: string, kind: 'valid' | 'invalid'): string[] {
  const d = path.join(dir, 'examples', kind);
  return existsSync(d) ? readdirSync(d).filter((f) => /\.(xml|json)$/.test(f)).sort() : [];
}

describe.each(catalog.list().map((p) => [p.manifest.id, p] as const))('shipped profile %s', (id, profile) => {
  it('has at least one valid and one invalid example', () => {
    expect(examples(profile.dir, 'valid').length).toBeGreaterThan(0);
    expect(examples(profile.dir, 'invalid').length).toBeGreaterThan(0);
  });

  for (const file of examples(profile.dir, 'valid')) {
    it(`accepts examples/valid/${file}`, async () => {
      const r = await engine.validate(readFileSync(path.join(profile.dir, 'examples', 'valid', file)), { profile: id });
      expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
      expect(r.valid).toBe(true);
    });
  }

  for (const file of examples(profile.dir, 'invalid')) {
    const expected = profile.manifest.examples?.invalid?.[file] ?? [file.split('--')[0]];
    it(`rejects examples/invalid/${file} with ${expected.join(', ')}`, async () => {
      const r = await engine.validate(readFileSync(path.join(profile.dir, 'examples', 'invalid', file)), { profile: id });
      expect(r.valid).toBe(false);
      const errorRules = r.findings.filter((f) => f.severity === 'error').map((f) => f.ruleId);
      for (const ruleId of expected) expect(errorRules, JSON.stringify(r.findings, null, 1)).toContain(ruleId);
    });
  }
});
