import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { loadCatalog } from '../../src/profiles/catalog.js';
import type { FhirProfileManifest } from '../../src/profiles/manifest.js';
import { elementTree } from '../../src/fhir/element-tree.js';

/**
 * The Norwegian FHIR profiles samsvar ships: each compiles (its snapshot generated from the
 * differential), and each example is recognised from its meta.profile claim and judged as its
 * file name says — valid ones without errors or warnings, invalid ones with the named rule.
 */
const catalog = loadCatalog({ importedDir: '/nonexistent-samsvar-data' });
const engine = new Engine(catalog);
const fhirProfiles = catalog.list().filter((p) => p.manifest.kind === 'fhir');

function examples(dir: string, kind: 'valid' | 'invalid'): string[] {
  const d = path.join(dir, 'examples', kind);
  return existsSync(d)
    ? readdirSync(d)
        .filter((f) => f.endsWith('.json'))
        .sort()
    : [];
}

describe('shipped FHIR profiles', () => {
  it('include the Norwegian basis profiles and the document-sharing profile', () => {
    expect(fhirProfiles.map((p) => p.manifest.id)).toEqual(
      expect.arrayContaining(['no-basis-patient', 'no-basis-practitioner', 'no-basis-organization', 'no-documentreference-sharing']),
    );
  });

  describe.each(fhirProfiles.map((p) => [p.manifest.id, p] as const))('%s', (id, profile) => {
    const manifest = profile.manifest as FhirProfileManifest;

    it('compiles to a snapshot with its slices', async () => {
      const store = (await engine.fhirValidator()).conformance();
      const sd = store.structureDefinition(manifest.url)!;
      const tree = elementTree(sd, store);
      expect(tree.root.def.path).toBe(sd.type);
      expect(tree.byId.size).toBeGreaterThan(20);
    });

    for (const file of examples(profile.dir, 'valid')) {
      it(`recognises examples/valid/${file} by its meta.profile claim and accepts it without warnings`, async () => {
        const r = await engine.validate(readFileSync(path.join(profile.dir, 'examples', 'valid', file)));
        expect(r.profile).toBe(id);
        expect(r.detection).toBe(`from meta.profile claim ${manifest.url}`);
        expect(r.findings.filter((f) => f.severity !== 'information')).toEqual([]);
      });
    }

    for (const file of examples(profile.dir, 'invalid')) {
      const expected = manifest.examples?.invalid?.[file] ?? [file.split('--')[0]];
      it(`rejects examples/invalid/${file} with ${expected.join(', ')} at a located path`, async () => {
        const r = await engine.validate(readFileSync(path.join(profile.dir, 'examples', 'invalid', file)), { profile: id, format: 'fhir' });
        expect(r.valid).toBe(false);
        for (const ruleId of expected) {
          const f = r.findings.find((x) => x.ruleId === ruleId && x.severity === 'error');
          expect(f, JSON.stringify(r.findings, null, 1)).toBeDefined();
          expect(f!.path).toMatch(/^[A-Z][A-Za-z]+(\.|$)/);
          expect(f!.line).toBeGreaterThan(0);
        }
      });
    }
  });
});
