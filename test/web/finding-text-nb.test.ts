import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/finding.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { Engine } from '../../src/engine/engine.js';
import { loadCatalog } from '../../src/profiles/catalog.js';
import { findingTextNb } from '../../src/web/finding-text-nb.js';

/**
 * A page says what an engine finding means in bokmål (the engine's own message is English). Over
 * every shipped example, each schema (libxml2), code list, identifier and FHIR finding gets a text
 * of its own, not the catch-all that only says that something is wrong.
 */
const PROFILES = path.join(PACKAGE_ROOT, 'profiles');
const CATCH_ALL = [/^Meldingen bryter XML-skjemaet på dette stedet\.$/, /^Funn \S+\.$/];

describe('findings on a page in bokmål', () => {
  it('every engine finding of every shipped example has a bokmål text of its own', async () => {
    const engine = new Engine(loadCatalog({ shippedDir: PROFILES, importedDir: null }));
    const generic: string[] = [];
    let findings = 0;
    for (const id of readdirSync(PROFILES)) {
      for (const kind of ['valid', 'invalid']) {
        const dir = path.join(PROFILES, id, 'examples', kind);
        if (!existsSync(dir)) continue;
        for (const file of readdirSync(dir)) {
          const result = await engine.validate(new Uint8Array(readFileSync(path.join(dir, file))), {
            profile: id,
            format: file.endsWith('.json') ? 'fhir' : undefined,
          });
          for (const f of result.findings as Finding[]) {
            findings++;
            const text = findingTextNb(f);
            if (CATCH_ALL.some((re) => re.test(text))) generic.push(`${id}/${kind}/${file}: ${f.ruleId} ${f.message}`);
          }
        }
      }
    }
    expect(findings).toBeGreaterThan(400);
    expect(generic).toEqual([]);
  });

  it("names the element and the value in libxml2's identity-constraint messages", () => {
    const xsd = (message: string): Finding => ({ ruleId: 'XSD', severity: 'error', layer: 'schema', message });
    expect(findingTextNb(xsd("Element '{urn:x}Episode': No match found for key-sequence ['H2'] of keyref '{urn:x}Henvisning'."))).toBe(
      'Elementet Episode viser til H2, som ikke finnes i meldingen (referansen Henvisning).',
    );
    expect(
      findingTextNb(xsd("Element '{urn:x}Event': Duplicate key-sequence ['7'] in unique identity-constraint '{urn:x}EventKey'.")),
    ).toBe('Elementet Event har verdien 7, som allerede er brukt; den skal være unik (EventKey).');
  });

  it('says what the API claims to be without calling it a failure: the identity findings are warnings', () => {
    for (const ruleId of ['LIVE-CAP-SOFTWARE', 'LIVE-CAP-IMPLEMENTATION']) {
      const text = findingTextNb({ ruleId, severity: 'warning', layer: 'testcase', message: 'English' });
      expect(text).toContain('Testen teller likevel');
      expect(text).not.toBe('FHIR-tjenesten svarte ikke slik testen krever.');
    }
  });
});
