import { readFileSync } from 'node:fs';
import path from 'node:path';
import { XmlDocument, XmlElement } from 'libxml2-wasm';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/profiles/catalog.js';

/**
 * Pages are in bokmål, so every business rule a shipped profile carries says what it checks in
 * bokmål too: each sch:assert and sch:report names (diagnostics="…") an sch:diagnostic with
 * xml:lang="nb" that gives the same values (sch:value-of, sch:name) as its English text. Without
 * one, a finding on a page says only "Meldingen bryter forretningsregelen …".
 */
const SCH = 'http://purl.oclc.org/dsdl/schematron';
const catalog = loadCatalog({ importedDir: '/nonexistent-samsvar-data' });

const rulesFiles = catalog
  .list()
  .flatMap((p) => (p.manifest.kind === 'xml' ? (p.manifest.rules ?? []).map((rel) => ({ id: p.manifest.id, file: path.join(p.dir, rel), rel })) : []));

/**
 * The sch:value-of selects and sch:name paths of a message: the values it reports. A string literal
 * inside a select is text of the message's own language (`concat(local-name(.), ' in ', …)`), so
 * it is translated with the rest and not compared.
 */
function values(el: XmlElement): string[] {
  return el
    .find('.//sch:value-of | .//sch:name', { sch: SCH })
    .map((n) => (n as XmlElement).name + ' ' + ((n as XmlElement).attr('select')?.value ?? (n as XmlElement).attr('path')?.value ?? '.'))
    .map((v) => v.replace(/'[^']*'|"[^"]*"/g, "''"))
    .sort();
}

/** What is wrong with the bokmål texts of one rules file, one line per check. */
function problems(file: string): string[] {
  const doc = XmlDocument.fromBuffer(readFileSync(file));
  try {
    const diagnostics = new Map(
      doc.find('//sch:diagnostics/sch:diagnostic', { sch: SCH }).map((d) => [(d as XmlElement).attr('id')?.value ?? '', d as XmlElement]),
    );
    return doc.find('//sch:assert | //sch:report', { sch: SCH }).flatMap((node) => {
      const check = node as XmlElement;
      const id = check.attr('id')?.value ?? '(no id)';
      const nb = (check.attr('diagnostics')?.value ?? '')
        .split(/\s+/)
        .map((ref) => diagnostics.get(ref))
        .find((d) => /^(nb|no)(-|$)/i.test(d?.attr('lang', 'xml')?.value ?? ''));
      if (!nb) return [`${id}: no bokmål diagnostic`];
      if (!nb.content.trim()) return [`${id}: empty bokmål diagnostic`];
      if (values(nb).join('\n') !== values(check).join('\n')) return [`${id}: the bokmål text reports other values than the English`];
      return [];
    });
  } finally {
    doc.dispose();
  }
}

describe('business rules of the shipped profiles in bokmål', () => {
  it('covers the shipped XML profiles with rules', () => {
    expect(rulesFiles.length).toBeGreaterThan(20);
  });

  it('gives every assert and report a bokmål diagnostic with the same values as its English text', () => {
    const missing = rulesFiles.flatMap(({ id, file, rel }) => problems(file).map((p) => `${id}/${rel}: ${p}`));
    expect(missing).toEqual([]);
  });
});
