import { XmlDocument, XmlElement } from 'libxml2-wasm';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/profiles/catalog.js';
import type { XmlProfileManifest } from '../../src/profiles/manifest.js';
import { ProfileResolver } from '../../src/xml/profile-resolver.js';

/**
 * A finding names the check that fired by its rule id (the sch:assert or sch:report id), and so do
 * waivers, test cases' expected findings and the documentation of the rules. One id therefore means
 * one check in everything a profile runs: its own rule files and those of the profiles it uses, as
 * the engine loads them. The same check may stand in several contexts under one id only when it says
 * the same thing everywhere: the same English text, the same bokmål text and the same severity.
 */
const SCH = 'http://purl.oclc.org/dsdl/schematron';
const catalog = loadCatalog({ importedDir: null });
const xmlProfiles = catalog.list().filter((p) => p.manifest.kind === 'xml');

interface Check {
  id: string;
  where: string;
  /** What a finding of this check says and how severe it is. */
  meaning: string;
}

/** The markup inside an element, whitespace runs folded: the text with its sch:value-of and sch:name. */
function inner(el: XmlElement): string {
  return el
    .toString()
    .replace(/^<[^>]*>|<\/[^>]*>$/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function checksOf(bytes: Uint8Array, where: string): Check[] {
  const doc = XmlDocument.fromBuffer(bytes);
  try {
    const diagnostics = new Map(
      doc.find('//sch:diagnostics/sch:diagnostic', { sch: SCH }).map((d) => [(d as XmlElement).attr('id')?.value ?? '', d as XmlElement]),
    );
    return doc.find('//sch:assert | //sch:report', { sch: SCH }).map((node) => {
      const check = node as XmlElement;
      const nb = (check.attr('diagnostics')?.value ?? '')
        .split(/\s+/)
        .map((ref) => diagnostics.get(ref))
        .find((d) => /^(nb|no)(-|$)/i.test(d?.attr('lang', 'xml')?.value ?? ''));
      const severity = (check.attr('role')?.value ?? check.attr('flag')?.value ?? 'error').toLowerCase();
      return {
        id: check.attr('id')?.value ?? '(no id)',
        where: `${where}:${check.line}`,
        meaning: [severity, inner(check), nb ? inner(nb) : ''].join('\n'),
      };
    });
  } finally {
    doc.dispose();
  }
}

/** Every check a profile runs: its own rule files, then those of the profiles it uses (ProfileResolver's order, as XmlValidator). */
function effectiveChecks(id: string): Check[] {
  const resolver = new ProfileResolver(catalog.require(id), catalog);
  return resolver.profiles.flatMap((p) =>
    ((p.manifest as XmlProfileManifest).rules ?? []).map((rel) => checksOf(p.files.get(rel)!, `${p.manifest.id}/${rel}`)).flat(),
  );
}

/** The ids that stand for more than one check, each with the places of its differing checks. */
function reusedIds(checks: Check[]): string[] {
  const byId = new Map<string, Check[]>();
  for (const c of checks) byId.set(c.id, [...(byId.get(c.id) ?? []), c]);
  return [...byId]
    .filter(([, cs]) => new Set(cs.map((c) => c.meaning)).size > 1)
    .map(([ruleId, cs]) => `${ruleId}: ${cs.map((c) => c.where).join(', ')}`);
}

describe('rule ids of the shipped profiles', () => {
  it('covers the shipped XML profiles with rules, including those that get rules from a used profile', () => {
    const withRules = xmlProfiles.filter((p) => effectiveChecks(p.manifest.id).length > 0);
    expect(withRules.length).toBeGreaterThan(20);
    expect(effectiveChecks('apprec-1.1').map((c) => c.id)).toEqual(expect.arrayContaining(['MH-0001']));
  });

  it('gives each check of a profile its own id: one id never stands for two different checks', () => {
    const reused = xmlProfiles.flatMap((p) => reusedIds(effectiveChecks(p.manifest.id)).map((r) => `${p.manifest.id}: ${r}`));
    expect(reused).toEqual([]);
  });

  it('tells checks apart by severity and by both texts, not by spacing', () => {
    type Spec = [role: string, en: string, nb: string];
    const schema = (specs: Spec[]) =>
      new TextEncoder().encode(
        `<sch:schema xmlns:sch="${SCH}"><sch:pattern><sch:rule context="/">` +
          specs.map(([role, en], i) => `<sch:assert id="X-1" role="${role}" diagnostics="d${i}" test="true()">${en}</sch:assert>`).join('') +
          `</sch:rule></sch:pattern><sch:diagnostics>` +
          specs.map(([, , nb], i) => `<sch:diagnostic id="d${i}" xml:lang="nb">${nb}</sch:diagnostic>`).join('') +
          `</sch:diagnostics></sch:schema>`,
      );
    const reused = (...specs: Spec[]) => reusedIds(checksOf(schema(specs), 't.sch'));
    expect(reused(['error', 'A is wrong.', 'A er feil.'], ['error', 'A  is\n wrong.', 'A er feil.'])).toEqual([]);
    expect(reused(['error', 'A is wrong.', 'A er feil.'], ['warning', 'A is wrong.', 'A er feil.'])).toEqual(['X-1: t.sch:1, t.sch:1']);
    expect(reused(['error', 'A is wrong.', 'A er feil.'], ['error', 'B is wrong.', 'A er feil.'])).toHaveLength(1);
    expect(reused(['error', 'A is wrong.', 'A er feil.'], ['error', 'A is wrong.', 'B er feil.'])).toHaveLength(1);
  });
});
