import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/profiles/catalog.js';
import type { XmlProfileManifest } from '../../src/profiles/manifest.js';
import { documentFacts } from '../../src/xml/detect-profile.js';
import { buildLightTree } from '../../src/xml/light-tree.js';
import { readXml } from '../../src/xml/read-xml.js';
import type { CompiledSchematron, SchematronStats } from '../../src/xml/schematron.js';
import { XmlValidator } from '../../src/xml/xml-validator.js';

/**
 * The compiled rule evaluator against libxml2's XPath: every shipped profile's Schematron rules on
 * every shipped example must give the same findings (rule id, severity, location, message) either
 * way. SAMSVAR_RULE_FIDELITY_DIRS (paths separated by the platform's delimiter) adds directories of
 * messages when run by hand; the suite itself reads only the project's files.
 */
const root = path.resolve(import.meta.dirname, '..', '..');
const catalog = loadCatalog({ shippedDir: path.join(root, 'profiles'), importedDir: null });

function xmlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...xmlFiles(full));
    else if (name.endsWith('.xml')) out.push(full);
  }
  return out;
}

function schematrons(): CompiledSchematron[] {
  const validator = new XmlValidator(catalog);
  const bySource = new Map<string, CompiledSchematron>();
  for (const p of catalog.list()) {
    if (p.manifest.kind !== 'xml' || !(p.manifest as XmlProfileManifest).rules?.length) continue;
    for (const s of validator.prepare(p).rules) if (!bySource.has(s.source)) bySource.set(s.source, s);
  }
  return [...bySource.values()];
}

function messages(): string[] {
  const examples = catalog
    .list()
    .map((p) => path.join(p.dir, 'examples'))
    .filter((d) => statSync(d, { throwIfNoEntry: false })?.isDirectory());
  const extra = (process.env.SAMSVAR_RULE_FIDELITY_DIRS ?? '').split(path.delimiter).filter(Boolean);
  return [...examples, ...extra].flatMap(xmlFiles);
}

describe('compiled Schematron rules against libxml2 XPath', () => {
  it('give identical findings (and detection facts) for every shipped profile on every shipped example, with no rule falling back at run time', () => {
    const rules = schematrons();
    const files = messages();
    const totals: SchematronStats = { rules: 0, rulesCompiled: 0, checks: 0, checksCompiled: 0 };
    for (const s of rules) for (const [k, v] of Object.entries(s.stats())) totals[k as keyof SchematronStats] += v;
    let compared = 0;
    let findings = 0;
    const differences: string[] = [];
    for (const file of files) {
      const { parsed } = readXml(readFileSync(file));
      if (!parsed) continue;
      try {
        const tree = buildLightTree(parsed.doc);
        // Detection's facts (message type, embedded namespace) read from the tree, as from libxml2's XPath.
        const facts = [documentFacts(parsed.doc, tree), documentFacts(parsed.doc)].map((f) => JSON.stringify(f));
        if (facts[0] !== facts[1]) differences.push(`${path.relative(root, file)}: facts ${facts[0]} from the tree, ${facts[1]} by XPath`);
        for (const s of rules) {
          const describe = (engine: 'compiled' | 'libxml2') =>
            s.run(parsed.doc, tree, engine).map((h) => JSON.stringify({ ...h.finding, ...parsed.locate(h.node) }));
          const compiled = describe('compiled');
          const reference = describe('libxml2');
          compared++;
          findings += reference.length;
          if (JSON.stringify(compiled) !== JSON.stringify(reference))
            differences.push(
              `${path.relative(root, file)} × ${s.source}:\n  compiled ${compiled.join('\n           ')}\n  libxml2  ${reference.join('\n           ')}`,
            );
        }
      } finally {
        parsed.doc.dispose();
      }
    }
    const fallbacks = rules.reduce((n, s) => n + s.runtimeFallbacks, 0);
    console.log(
      `rule fidelity: ${files.length} messages × ${rules.length} Schematron files (${compared} runs, ${findings} findings); ` +
        `compiled ${totals.rulesCompiled}/${totals.rules} rule contexts and ${totals.checksCompiled}/${totals.checks} asserts/reports, ` +
        `${totals.rules - totals.rulesCompiled} rules (${totals.checks - totals.checksCompiled} checks) on libxml2 XPath; ` +
        `${fallbacks} run-time fallbacks; ${differences.length} differences`,
    );
    expect(differences.slice(0, 5)).toEqual([]);
    expect(fallbacks).toBe(0);
    // The comparison means something only if the rules fire and most of them run compiled.
    expect(findings).toBeGreaterThan(100);
    expect(totals.rulesCompiled).toBeGreaterThan(totals.rules * 0.9);
  }, 600_000);
});
