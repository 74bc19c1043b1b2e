import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { XmlDocument, XmlXPath } from 'libxml2-wasm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sha256Hex } from '../../src/core/sha256.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { CompiledSchematron, codeKeyOf } from '../../src/xml/schematron.js';

const enc = (s: string) => new TextEncoder().encode(s);

// Rules of every kind: compiled to JavaScript or left to libxml2 (lang() is not taken on), typed
// and untyped lets, an abstract rule, value-of and name in messages, a bokmål diagnostic.
const SCHEMA = `<sch:schema xmlns:sch="http://purl.oclc.org/dsdl/schematron">
  <sch:ns prefix="o" uri="urn:order"/>
  <sch:let name="max" value="10"/>
  <sch:pattern id="p1">
    <sch:rule abstract="true" id="has-qty">
      <sch:assert id="R-QTY" test="o:Qty">Line <sch:value-of select="@n"/> has no quantity</sch:assert>
    </sch:rule>
    <sch:rule context="o:Line">
      <sch:let name="qty" value="number(o:Qty)" as="xs:integer"/>
      <sch:extends rule="has-qty"/>
      <sch:assert id="R-MAX" test="not(o:Qty) or $qty &lt;= $max" diagnostics="max-nb">Quantity <sch:value-of select="$qty"/> over <sch:value-of select="$max"/> in <sch:name/></sch:assert>
    </sch:rule>
  </sch:pattern>
  <sch:pattern id="p2">
    <sch:rule context="o:Note">
      <sch:report id="R-LANG" test="lang('en')">Note <sch:value-of select="."/> is in English</sch:report>
    </sch:rule>
  </sch:pattern>
  <sch:diagnostics><sch:diagnostic id="max-nb" xml:lang="nb">Antall <sch:value-of select="o:Qty"/> er over grensen</sch:diagnostic></sch:diagnostics>
</sch:schema>`;

const DOC = `<Order xmlns="urn:order"><Line n="1"><Qty>3</Qty></Line><Line n="2"><Qty>12</Qty></Line><Line n="3"/>
  <Note xml:lang="en">hello</Note><Note xml:lang="nb">hei</Note></Order>`;

let cache: string;
beforeEach(() => {
  cache = mkdtempSync(path.join(tmpdir(), 'samsvar-sch-cache-'));
  vi.stubEnv('SAMSVAR_CACHE_DIR', cache);
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  rmSync(cache, { recursive: true, force: true });
});

/** Compiles SCHEMA, runs it with each engine, and counts the XPaths libxml2 compiled while compiling. */
function compileAndRun(schema = SCHEMA) {
  const spy = vi.spyOn(XmlXPath, 'compile');
  const sch = CompiledSchematron.compile(enc(schema), 'order.sch');
  const compiledUpFront = spy.mock.calls.length;
  spy.mockRestore();
  const doc = XmlDocument.fromString(DOC);
  try {
    const findings = (engine: 'compiled' | 'libxml2') => sch.run(doc, undefined, engine).map((h) => h.finding);
    const compiled = findings('compiled');
    return { compiledUpFront, stats: sch.stats(), compiled, libxml2: findings('libxml2'), fallbacks: sch.runtimeFallbacks };
  } finally {
    doc.dispose();
    sch.dispose();
  }
}

function entries(): string[] {
  try {
    return readdirSync(path.join(cache, 'schematron-1')).map((f) => path.join(cache, 'schematron-1', f));
  } catch {
    return [];
  }
}

describe('compiled Schematron in the disk cache', () => {
  it('is stored on the first compile and taken from there on the next, with the same findings and nothing compiled by libxml2 up front', () => {
    const first = compileAndRun();
    expect(first.compiledUpFront).toBeGreaterThan(0);
    expect(first.compiled.map((f) => f.ruleId)).toEqual(['R-MAX', 'R-QTY', 'R-LANG']);
    expect(first.compiled).toEqual(first.libxml2);
    expect(first.stats.rulesCompiled).toBeGreaterThan(0);
    expect(first.stats.rulesCompiled).toBeLessThan(first.stats.rules);
    expect(entries()).toHaveLength(1);

    const second = compileAndRun();
    expect(second.compiledUpFront).toBe(0);
    expect(second).toEqual({ ...first, compiledUpFront: 0 });
  });

  it('ignores a damaged or foreign entry and writes it anew', () => {
    const fresh = compileAndRun();
    const [entry] = entries();
    const good = readFileSync(entry!, 'utf8');
    for (const damaged of ['{"ns":', '{"ns":{},"patterns":[{"rules":[{"context":5}]}],"parsed":{}}', '[]']) {
      writeFileSync(entry!, damaged);
      expect(compileAndRun()).toEqual(fresh);
      expect(readFileSync(entry!, 'utf8')).toBe(good);
    }
  });

  it('is keyed by the code of the XML layer too: a change anywhere in it (a severity, say) is a miss, never an older plan', () => {
    const copy = mkdtempSync(path.join(tmpdir(), 'samsvar-xml-code-'));
    try {
      cpSync(path.join(PACKAGE_ROOT, 'src', 'xml'), copy, { recursive: true });
      const before = codeKeyOf(copy);
      expect(before).toMatch(/^[0-9a-f]{16}$/);
      const file = path.join(copy, 'schematron.ts');
      writeFileSync(file, readFileSync(file, 'utf8').replace("warning: 'warning'", "warning: 'error'"));
      expect(codeKeyOf(copy)).not.toBe(before);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
    // And the running code's key is in every entry's name.
    compileAndRun();
    expect(path.basename(entries()[0]!)).toBe(`${sha256Hex(enc(SCHEMA))}${codeKeyOf(path.join(PACKAGE_ROOT, 'src', 'xml'))}.json`);
  });

  it('reads no entry whose seal does not match its kind, key and body (a damaged or copied one)', () => {
    const fresh = compileAndRun();
    const [entry] = entries();
    const good = readFileSync(entry!);
    // The seal kept, the body replaced by valid JSON with nothing in it: taken as a plan, every document would pass.
    writeFileSync(entry!, Buffer.concat([good.subarray(0, 32), Buffer.from('{"ns":{},"patterns":[],"parsed":{}}')]));
    expect(compileAndRun()).toEqual({ ...fresh, compiledUpFront: fresh.compiledUpFront });
    expect(readFileSync(entry!).equals(good)).toBe(true);
  });

  it('is keyed by the schema bytes: a changed schema is compiled, and refused, as ever', () => {
    compileAndRun();
    const broken = SCHEMA.replace('test="o:Qty"', 'test="o:Qty["');
    expect(() => CompiledSchematron.compile(enc(broken), 'order.sch')).toThrow(/R-QTY: XPath "o:Qty\[" does not compile/);
    expect(entries()).toHaveLength(1);
  });

  it('is neither read nor written with SAMSVAR_CACHE_DIR=off', () => {
    compileAndRun();
    vi.stubEnv('SAMSVAR_CACHE_DIR', 'off');
    expect(compileAndRun().compiledUpFront).toBeGreaterThan(0);
  });

  it('gives the same findings from the cache when a rule holds a number JSON cannot carry (beyond the double range)', () => {
    const huge = '9'.repeat(400);
    const schema = `<sch:schema xmlns:sch="http://purl.oclc.org/dsdl/schematron">
  <sch:ns prefix="o" uri="urn:order"/>
  <sch:pattern><sch:rule context="o:Line">
    <sch:assert id="R-BIG" test="number(o:Qty) &lt; ${huge}">below infinity</sch:assert>
    <sch:report id="R-INF" test="${huge} = ${huge} + 1">infinite</sch:report>
  </sch:rule></sch:pattern>
</sch:schema>`;
    const cold = compileAndRun(schema);
    const warm = compileAndRun(schema);
    expect(cold.libxml2.map((f) => f.ruleId)).toEqual(['R-INF', 'R-INF', 'R-BIG', 'R-INF']);
    expect(cold.compiled).toEqual(cold.libxml2);
    expect(warm.compiled).toEqual(cold.libxml2);
    // Evaluated as compiled, not by falling back to libxml2 on a value the cache lost.
    expect(warm.compiledUpFront).toBe(0);
    expect([cold.fallbacks, warm.fallbacks]).toEqual([0, 0]);
  });
});
