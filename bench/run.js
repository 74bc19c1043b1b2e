#!/usr/bin/env node
// Benchmarks samsvar against peers measured in the same run, on this machine:
//  - XML: samsvar's CLI vs `xmllint --noout --schema` on the same generated MsgHead+Dialogmelding
//    documents and the same XSD set, one process each, start-up and schema compilation included.
//  - FHIR: samsvar's profile validation vs @medplum/core's validateResource (bench/fhir/).
//  - Hostile input: time and memory for each hostile document to end in a finding.
// `--smoke` runs a small, fast version for CI. Figures are ratios against the peer, not bare times.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const smoke = process.argv.includes('--smoke');
const countArg = process.argv.find((a) => a.startsWith('--docs='));
const DOCS = countArg ? Number(countArg.slice(7)) : smoke ? 300 : 5000;
const RUNS = smoke ? 1 : Number(process.env.BENCH_RUNS ?? 3);
const PROFILE = 'dialogmelding-1.1-foresporsel';
const tmp = path.join(root, '.bench-tmp');

if (!existsSync(path.join(root, 'dist', 'cli', 'main.js'))) {
  console.error('bench: dist/ is missing; run `npm install` (it builds) or `npm run build` first');
  process.exit(2);
}
const { loadCatalog } = await import('../dist/profiles/catalog.js');

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timed(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30, ...opts });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw r.error;
  return { ms, ...r };
}

/** Documents: the profile's valid examples with fresh MsgIds; every tenth has a duplicated MsgId (schema-invalid). */
function generateDocuments(profile) {
  const dir = path.join(tmp, 'xml');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const exampleDir = path.join(profile.dir, 'examples', 'valid');
  const bases = readdirSync(exampleDir)
    .filter((f) => f.endsWith('.xml'))
    .map((f) => readFileSync(path.join(exampleDir, f), 'latin1'));
  const files = [];
  for (let i = 0; i < DOCS; i++) {
    let doc = bases[i % bases.length].replace(
      /(<(?:\w+:)?MsgId>)[^<]*(<\/(?:\w+:)?MsgId>)/,
      `$1bench-${i}-${(i * 2654435761) % 4294967296}$2`,
    );
    if (i % 10 === 9) doc = doc.replace(/(<(?:\w+:)?MsgId>[^<]*<\/(?:\w+:)?MsgId>)/, '$1$1');
    const file = path.join(dir, `doc-${String(i).padStart(5, '0')}.xml`);
    writeFileSync(file, doc, 'latin1');
    files.push(file);
  }
  return files;
}

/** The schema file and the XML catalogs that map its imports to the profile set's files, for xmllint. */
function xmllintSetup(catalog, profile) {
  const related = [profile, ...(profile.manifest.uses ?? []).map((id) => catalog.require(id))];
  const catalogs = related.filter((p) => p.manifest.catalog).map((p) => path.join(p.dir, p.manifest.catalog));
  return { schema: path.join(profile.dir, profile.manifest.schema), env: { ...process.env, XML_CATALOG_FILES: catalogs.join(' ') } };
}

/**
 * CPU time (user + system, ms) of this process's finished children, on Linux; null elsewhere.
 * Counted in 10 ms ticks, so only a sum over several runs means anything.
 */
function childrenCpuMs() {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    // cutime and cstime, fields 16 and 17 of proc(5), in USER_HZ (100 on Linux).
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return null;
  }
}

/**
 * One file, as in an editor or a pre-commit hook: `samsvar validate FILE` (profile detected from
 * the document, one process, start-up included) against `xmllint --noout --schema` on the same
 * file. The first samsvar run starts with an empty disk cache; the others use what it left.
 */
function oneFileBench() {
  const which = spawnSync('xmllint', ['--version'], { encoding: 'utf8' });
  if (which.error) return { ok: true, lines: ['one file: xmllint not found; skipped'] };
  const catalog = loadCatalog({ importedDir: path.join(tmp, 'no-imports') });
  const profile = catalog.require(PROFILE);
  const exampleDir = path.join(profile.dir, 'examples', 'valid');
  const file = path.join(
    exampleDir,
    readdirSync(exampleDir)
      .filter((f) => f.endsWith('.xml'))
      .sort()[0],
  );
  const { schema, env } = xmllintSetup(catalog, profile);
  const cacheDir = path.join(tmp, 'cache');
  rmSync(cacheDir, { recursive: true, force: true });
  const samsvarEnv = { ...process.env, SAMSVAR_CACHE_DIR: cacheDir };
  const runs = smoke ? 3 : 11;
  const x = [];
  const s = [];
  let cold;
  let verdicts = '';
  // CPU time does not grow with the machine's load as wall time does: the figure to compare runs on a busy machine by.
  const cpu = { xmllint: 0, samsvar: 0 };
  const cpuOf = (peer, fn) => {
    const before = childrenCpuMs();
    const r = fn();
    if (before !== null && r.ms !== undefined) cpu[peer] += childrenCpuMs() - before;
    return r;
  };
  for (let run = 0; run < runs; run++) {
    const xr = cpuOf('xmllint', () => timed('xmllint', ['--noout', '--nonet', '--schema', schema, file], { env }));
    const sr =
      run === 0
        ? timed(process.execPath, [path.join(root, 'bin', 'samsvar.js'), 'validate', file], { env: samsvarEnv })
        : cpuOf('samsvar', () => timed(process.execPath, [path.join(root, 'bin', 'samsvar.js'), 'validate', file], { env: samsvarEnv }));
    if (sr.status !== 0 || xr.status !== 0) verdicts = `xmllint exit ${xr.status}, samsvar exit ${sr.status}: ${sr.stderr}${xr.stderr}`;
    x.push(xr.ms);
    if (run === 0) cold = sr.ms;
    else s.push(sr.ms);
  }
  const xm = median(x);
  const sm = median(s);
  return {
    ok: !verdicts,
    ratio: sm / xm,
    lines: [
      `one file: ${path.relative(root, file)}, median of ${runs - 1} warm run(s); load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${availableParallelism()} core(s)`,
      `one file:   xmllint --noout --schema   ${xm.toFixed(0).padStart(6)} ms`,
      `one file:   samsvar validate FILE      ${sm.toFixed(0).padStart(6)} ms   (detection, all layers; first run, empty disk cache: ${cold.toFixed(0)} ms)`,
      `one file:   ratio samsvar/xmllint      ${(sm / xm).toFixed(1)}x   (target <= 0.3 s and <= 30x)`,
      ...(childrenCpuMs() === null
        ? []
        : [
            `one file:   CPU per run (user+sys)     xmllint ${(cpu.xmllint / runs).toFixed(0)} ms, samsvar ${(cpu.samsvar / (runs - 1)).toFixed(0)} ms (warm runs), ratio ${(cpu.samsvar / (runs - 1) / Math.max(cpu.xmllint / runs, 1)).toFixed(1)}x`,
          ]),
      ...(verdicts ? [`one file:   VERDICT DISAGREEMENT ${verdicts}`] : []),
    ],
  };
}

async function xmlBench() {
  const lines = [];
  const which = spawnSync('xmllint', ['--version'], { encoding: 'utf8' });
  if (which.error) return { ok: false, lines: ['xml: xmllint not found (Debian: apt-get install libxml2-utils); skipped'] };
  const catalog = loadCatalog({ importedDir: path.join(tmp, 'no-imports') });
  const profile = catalog.require(PROFILE);
  const files = generateDocuments(profile);
  const { schema, env } = xmllintSetup(catalog, profile);

  const xmllintRuns = [];
  const samsvarRuns = [];
  let xmllintVerdicts;
  let samsvar;
  // CPU time of every thread: the wall ratio also depends on how many cores samsvar's workers get, xmllint uses one.
  const cpu = { xmllint: 0, samsvar: 0 };
  const cpuOf = (peer, fn) => {
    const before = childrenCpuMs();
    const r = fn();
    if (before !== null) cpu[peer] += childrenCpuMs() - before;
    return r;
  };
  for (let run = 0; run < RUNS; run++) {
    const x = cpuOf('xmllint', () => timed('xmllint', ['--noout', '--nonet', '--schema', schema, ...files], { env }));
    xmllintRuns.push(x.ms);
    xmllintVerdicts = new Map();
    for (const line of x.stderr.split('\n')) {
      const m = /^(.*) (validates|fails to validate)$/.exec(line);
      if (m) xmllintVerdicts.set(m[1], m[2] === 'validates');
    }
    const s = cpuOf('samsvar', () =>
      timed(process.execPath, [path.join(root, 'bin', 'samsvar.js'), 'validate', '--profile', PROFILE, '--format', 'json', ...files]),
    );
    samsvarRuns.push(s.ms);
    if (s.status !== 0 && s.status !== 1) throw new Error(`samsvar exited ${s.status}: ${s.stderr}`);
    samsvar = JSON.parse(s.stdout).results;
  }
  let schemaAgree = 0;
  const disagreements = [];
  let fullValid = 0;
  for (const r of samsvar) {
    const schemaValid = !r.findings.some((f) => f.severity === 'error' && (f.layer === 'schema' || f.layer === 'syntax'));
    if (r.valid) fullValid++;
    if (schemaValid === xmllintVerdicts.get(r.file)) schemaAgree++;
    else
      disagreements.push(
        `${path.basename(r.file)}: xmllint ${xmllintVerdicts.get(r.file) ? 'valid' : 'invalid'}, samsvar schema layer ${schemaValid ? 'valid' : 'invalid'}`,
      );
  }
  const x = median(xmllintRuns);
  const s = median(samsvarRuns);
  const ratio = s / x;
  lines.push(
    `xml: ${files.length} MsgHead+Dialogmelding 1.1 documents, profile ${PROFILE}, median of ${RUNS} run(s), start-up and schema compilation included`,
  );
  lines.push(`xml:   xmllint --noout --schema     ${x.toFixed(0).padStart(7)} ms`);
  lines.push(`xml:   samsvar validate (all layers) ${s.toFixed(0).padStart(6)} ms   (XSD + Schematron + code lists + identifiers)`);
  lines.push(`xml:   ratio samsvar/xmllint        ${ratio.toFixed(2)}x   (target <= 2x)`);
  if (childrenCpuMs() !== null)
    lines.push(
      `xml:   CPU, all threads, mean        xmllint ${(cpu.xmllint / RUNS).toFixed(0)} ms, samsvar ${(cpu.samsvar / RUNS).toFixed(0)} ms on ${availableParallelism()} core(s), ratio ${(cpu.samsvar / Math.max(cpu.xmllint, 1)).toFixed(2)}x`,
    );
  lines.push(
    `xml:   schema verdicts agree on ${schemaAgree}/${files.length}; samsvar full verdict valid for ${fullValid}, xmllint valid for ${[...xmllintVerdicts.values()].filter(Boolean).length}`,
  );
  for (const d of disagreements.slice(0, 10)) lines.push(`xml:   DISAGREE ${d}`);
  const rules = await ruleLayerBench(catalog, profile, files);
  lines.push(...rules.lines);
  return { ok: disagreements.length === 0 && schemaAgree === files.length && rules.ok, lines, ratio };
}

/**
 * The rule layer against the peer a Node developer would reach for: node-schematron (pure JS,
 * fontoxpath) with the same Schematron files on the same documents, in this process, CPU time.
 * samsvar's side is what it does for the rule layer of one document: read it (prescan + libxml2
 * parse), copy libxml2's tree into JS and run every Schematron file of the profile. Both sides must
 * fire the same assert ids on every document; node-schematron evaluates XPath 3.1, so a
 * disagreement is printed with the document rather than hidden.
 */
async function ruleLayerBench(catalog, profile, files) {
  const { readXml } = await import('../dist/xml/read-xml.js');
  const { buildLightTree } = await import('../dist/xml/light-tree.js');
  const { CompiledSchematron } = await import('../dist/xml/schematron.js');
  const related = [profile, ...(profile.manifest.uses ?? []).map((id) => catalog.require(id))];
  const ruleFiles = related.flatMap((p) =>
    (p.manifest.rules ?? []).map((rel) => ({ source: `${p.manifest.id}/${rel}`, bytes: p.files.get(rel) })),
  );
  const docs = files.map((f) => readFileSync(f));
  const cpu = (fn) => {
    const t0 = process.cpuUsage();
    const out = fn();
    const used = process.cpuUsage(t0);
    return { ms: (used.user + used.system) / 1000, out };
  };
  const ours = ruleFiles.map((r) => CompiledSchematron.compile(r.bytes, r.source));
  const samsvarRun = () =>
    docs.map((bytes) => {
      const { parsed } = readXml(bytes);
      if (!parsed) return 'unreadable';
      try {
        const tree = buildLightTree(parsed.doc);
        return ours
          .flatMap((s) => s.run(parsed.doc, tree).map((h) => h.finding.ruleId))
          .sort()
          .join(' ');
      } finally {
        parsed.doc.dispose();
      }
    });
  samsvarRun(); // warm-up: the peer's run below is warm too after its first documents
  const samsvar = cpu(samsvarRun);
  const stats = ours
    .map((s) => s.stats())
    .reduce((a, b) => ({
      rules: a.rules + b.rules,
      rulesCompiled: a.rulesCompiled + b.rulesCompiled,
      checks: a.checks + b.checks,
      checksCompiled: a.checksCompiled + b.checksCompiled,
    }));
  for (const s of ours) s.dispose();
  const lines = [
    `xml: rule layer, ${docs.length} documents, ${ruleFiles.map((r) => r.source).join(' + ')} (${stats.rules} rules, ${stats.checks} asserts/reports; compiled to JS: ${stats.rulesCompiled} rules, ${stats.checksCompiled} checks), CPU time in process`,
    `xml:   samsvar (read + rules)       ${samsvar.ms.toFixed(0).padStart(7)} ms   (${((samsvar.ms * 1000) / docs.length).toFixed(0)} µs per document)`,
  ];
  let Schema;
  try {
    ({ Schema } = await import('node-schematron'));
  } catch {
    lines.push('xml:   node-schematron not installed (npm install); peer skipped');
    return { ok: true, lines };
  }
  let schemas;
  try {
    schemas = ruleFiles.map((r) => Schema.fromString(new TextDecoder().decode(r.bytes)));
  } catch (e) {
    lines.push(`xml:   node-schematron cannot load these rules: ${e.message.split('\n')[0]}`);
    return { ok: true, lines };
  }
  const texts = docs.map((d) =>
    new TextDecoder(/encoding="iso-8859-1"/i.test(d.subarray(0, 100).toString('latin1')) ? 'latin1' : 'utf-8').decode(d),
  );
  // node-schematron evaluates XPath 3.1 (fontoxpath): where XPath 1.0 takes a node-set's first node
  // (normalize-space(MsgId) with two MsgId), XPath 3.1 raises a type error and the document gets no result.
  const failures = new Map();
  const peer = cpu(() =>
    texts.map((t) => {
      try {
        return schemas
          .flatMap((s) => s.validateString(t).map((r) => r.assertId))
          .sort()
          .join(' ');
      } catch (e) {
        const reason = e.message.split('\n')[0];
        failures.set(reason, (failures.get(reason) ?? 0) + 1);
        return null;
      }
    }),
  );
  const ran = peer.out.filter((r) => r !== null).length;
  const agree = samsvar.out.filter((ids, i) => ids === peer.out[i]).length;
  lines.push(
    `xml:   node-schematron 2.1           ${peer.ms.toFixed(0).padStart(7)} ms   (${((peer.ms * 1000) / docs.length).toFixed(0)} µs per document)`,
  );
  lines.push(
    `xml:   ratio samsvar/node-schematron ${(samsvar.ms / peer.ms).toFixed(3)}x   (samsvar ${(peer.ms / samsvar.ms).toFixed(0)}x faster)`,
  );
  lines.push(`xml:   fired assert ids agree on ${agree}/${ran} documents node-schematron could evaluate`);
  for (const [reason, n] of failures)
    lines.push(`xml:   node-schematron fails on ${n} document(s) (XPath 3.1 where the rules are XPath 1.0): ${reason}`);
  for (let i = 0, shown = 0; i < docs.length && shown < 5; i++)
    if (peer.out[i] !== null && samsvar.out[i] !== peer.out[i]) {
      shown++;
      lines.push(`xml:   DISAGREE ${path.basename(files[i])}: samsvar [${samsvar.out[i]}], node-schematron [${peer.out[i]}]`);
    }
  return { ok: agree === ran, lines };
}

/** The batch target's floor: parse + XSD alone, as samsvar runs them and natively, against all layers (bench/floor/). */
async function floorBench() {
  const which = spawnSync('xmllint', ['--version'], { encoding: 'utf8' });
  if (which.error) return { ok: false, lines: ['floor: xmllint not found (Debian: apt-get install libxml2-utils); skipped'] };
  const catalog = loadCatalog({ importedDir: path.join(tmp, 'no-imports') });
  const profile = catalog.require(PROFILE);
  const files = generateDocuments(profile);
  const { schema, env } = xmllintSetup(catalog, profile);
  const timeXmllint = () => {
    const r = timed('xmllint', ['--noout', '--nonet', '--schema', schema, ...files], { env });
    const valid = new Set(r.stderr.split('\n').flatMap((l) => (l.endsWith(' validates') ? [l.slice(0, -' validates'.length)] : [])));
    return { ms: r.ms, invalid: new Set(files.filter((f) => !valid.has(f))) };
  };
  const { runFloorBench } = await import('./floor/floor-bench.js');
  return runFloorBench({ files, schema, env, profileId: PROFILE, runs: RUNS, tmp, timeXmllint });
}

async function hostileBench() {
  const { Engine } = await import('../dist/engine/engine.js');
  const engine = new Engine(loadCatalog({ importedDir: path.join(tmp, 'no-imports') }));
  const enc = new TextEncoder();
  const lols = Array.from({ length: 10 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('');
  const big = new Uint8Array(100 * 1024 * 1024).fill(0x20);
  big.set(enc.encode('<MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24">'));
  const cases = {
    XXE: enc.encode('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'),
    'billion laughs': enc.encode(`<?xml version="1.0"?><!DOCTYPE l [<!ENTITY lol0 "lol">${lols}]><l>&lol10;</l>`),
    '100 MB': big,
    '10,000-deep nesting': enc.encode(`${'<a>'.repeat(10000)}${'</a>'.repeat(10000)}`),
    'invalid UTF-8': Uint8Array.from([...enc.encode('<a>'), 0xff, 0xfe, ...enc.encode('</a>')]),
    // Many findings among many siblings on one line: each must be located in constant time.
    '20,000 wrong codes': enc.encode(
      `<AppRec xmlns="http://www.kith.no/xmlstds/apprec/2004-11-21">${'<Status V="9" S="2.16.578.1.12.4.1.1.8221"/>'.repeat(20000)}</AppRec>`,
    ),
  };
  const lines = [];
  let ok = true;
  // The AppRec profile is compiled once beforehand (a service does that once, not per document),
  // so the figures are the hostile documents' own cost.
  await engine.validate(enc.encode('<AppRec xmlns="http://www.kith.no/xmlstds/apprec/2004-11-21"/>'), { format: 'xml' });
  for (const [name, doc] of Object.entries(cases)) {
    const rss0 = process.memoryUsage().rss;
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    const r = await engine.validate(doc, { format: 'xml' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const cpu = process.cpuUsage(c0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const grew = (process.memoryUsage().rss - rss0) / 1024 / 1024;
    const f = r.findings[0];
    // Judged by CPU time, with a bound wide enough for a shared machine (GC threads count too): it
    // catches a hang or a quadratic blow-up (20,000 codes would take minutes), not a slower neighbour.
    ok &&= !r.valid && cpuMs < 10_000;
    lines.push(
      `hostile: ${name.padEnd(20)} ${f?.ruleId ?? 'NO FINDING'} in ${ms.toFixed(1)} ms (CPU ${cpuMs.toFixed(1)} ms), RSS +${grew.toFixed(1)} MB`,
    );
  }
  return { ok, lines };
}

/** A valid collection Bundle of `entries` Patients, each linking to the next by its full URL (as test/helpers/large-bundle.ts). */
function patientBundle(entries) {
  const text = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Kari Nordmann, født 13. mars 2013</div>' };
  const urls = Array.from({ length: entries }, (_, i) => `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
  const entry = urls.map((fullUrl, i) => ({
    fullUrl,
    resource: {
      resourceType: 'Patient',
      text,
      active: true,
      name: [{ use: 'official', family: 'Nordmann', given: ['Kari'] }],
      telecom: [{ system: 'phone', value: '+47 22 00 00 00', use: 'home' }],
      gender: 'female',
      birthDate: '2013-03-13',
      address: [{ line: ['Storgata 1'], postalCode: '0155', city: 'Oslo', country: 'NO' }],
      link: [{ other: { reference: urls[(i + 1) % entries] }, type: 'seealso' }],
    },
  }));
  return Buffer.from(JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry }));
}

const fmt = (n, digits = 1) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const sizeOf = (bytes) => (bytes >= 1e6 ? `${fmt(bytes / 1e6)} MB` : `${fmt(bytes / 1e3)} KB`);

/**
 * Growth: CPU time of one validation (in process, engine warmed up, median of repeats) against
 * document size and against the number of findings, to show that both grow linearly; printed as
 * the Markdown tables the README shows. XML documents are the shipped forespørsel example with
 * RollerRelatertNotat blocks added (0..n in the schema): for size, blocks without a coded value
 * (no finding); for findings, a fixed 2,000 blocks of which n carry a RoleToPatient whose V is not
 * a code of the code list its S names (CODELIST-VALUE). FHIR documents are collection Bundles of
 * Patients up to 50 MB (the engine's JSON limit raised as SAMSVAR_MAX_BODY_BYTES would). Each
 * table ends with the CPU ratio of n against 8n: 8 is linear, 64 quadratic.
 */
async function growthBench() {
  const { Engine } = await import('../dist/engine/engine.js');
  const { engineSettingsFromEnv } = await import('../dist/engine/engine-settings.js');
  const catalog = loadCatalog({ importedDir: path.join(tmp, 'no-imports') });
  const engine = new Engine(catalog, { ...engineSettingsFromEnv(), maxJsonBytes: 64 * 1024 * 1024 });
  const exampleDir = path.join(catalog.require(PROFILE).dir, 'examples', 'valid');
  const base = readFileSync(path.join(exampleDir, 'foresporsel-helseopplysninger.xml'), 'utf8');
  const at = base.indexOf('</Foresporsel>');
  const plain =
    '<RollerRelatertNotat><HealthcareProfessional><FamilyName>Sæther</FamilyName><GivenName>Bjørg</GivenName></HealthcareProfessional></RollerRelatertNotat>\n';
  const wrong =
    '<RollerRelatertNotat><RoleToPatient V="XX" S="2.16.578.1.12.4.1.1.8116"/><HealthcareProfessional><FamilyName>Sæther</FamilyName></HealthcareProfessional></RollerRelatertNotat>\n';
  const doc = (blocks) => Buffer.from(base.slice(0, at) + blocks + base.slice(at), 'utf8');
  const measure = async (bytes, opts) => {
    const repeats = bytes.length > 2e7 ? 1 : bytes.length > 5e6 ? 3 : bytes.length > 5e5 ? 5 : 21;
    const times = [];
    let result;
    for (let i = 0; i < repeats; i++) {
      const c0 = process.cpuUsage();
      result = await engine.validate(bytes, opts);
      const c = process.cpuUsage(c0);
      times.push((c.user + c.system) / 1000);
    }
    return { ms: median(times), result };
  };
  const ratioLine = (what, small, large) =>
    `${what}: CPU ratio ${sizeOf(large.bytes)} / ${sizeOf(small.bytes)} (${fmt(large.bytes / small.bytes)}× the size) = ${fmt(large.ms / small.ms)} (linear ≈ 8, quadratic ≈ 64)`;
  await measure(doc(plain.repeat(100)), { profile: PROFILE }); // warm-up: schema compilation and JIT
  const lines = [
    `growth: CPU time per validation (in process, warmed up, median of repeats), load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${availableParallelism()} core(s); Markdown for the README:`,
    '',
    `XML, profile ${PROFILE}, against size:`,
    '',
    '| size | added blocks | findings | CPU ms | µs per KB |',
    '|---|---|---|---|---|',
  ];
  let ok = true;
  const xmlRows = [];
  const targets = smoke ? [0, 1e4, 1e5] : [0, 1e4, 1e5, 1e6, 3e6, 24e6];
  for (const target of targets) {
    const n = Math.max(0, Math.round((target - Buffer.byteLength(base)) / Buffer.byteLength(plain)));
    const bytes = doc(plain.repeat(n));
    const { ms, result } = await measure(bytes, { profile: PROFILE });
    ok &&= result.valid;
    xmlRows.push({ bytes: bytes.length, ms });
    lines.push(
      `| ${sizeOf(bytes.length)} | ${n.toLocaleString('en-US')} | ${result.findings.length} | ${fmt(ms)} | ${fmt((ms * 1000) / (bytes.length / 1024))} |`,
    );
  }
  if (xmlRows.length >= 2) lines.push('', ratioLine('XML', xmlRows.at(-2), xmlRows.at(-1)));
  // Per finding from 100 findings on: below that the difference is within the repeats' noise.
  lines.push('', 'XML against the number of findings (2,000 blocks; more than 1,000 findings are counted, not listed):', '');
  lines.push('| findings | size | CPU ms | µs per finding |', '|---|---|---|---|');
  let zero;
  for (const n of smoke ? [0, 100] : [0, 10, 100, 1000, 2000]) {
    const bytes = doc(wrong.repeat(n) + plain.repeat(2000 - n));
    const { ms, result } = await measure(bytes, { profile: PROFILE });
    const errors = result.findings.filter((f) => f.ruleId === 'CODELIST-VALUE').length;
    ok &&= errors === Math.min(n, 1000);
    zero ??= ms;
    lines.push(
      `| ${n.toLocaleString('en-US')}${n > 1000 ? ' (1,000 listed)' : ''} | ${sizeOf(bytes.length)} | ${fmt(ms)} | ${n >= 100 ? fmt(((ms - zero) * 1000) / n) : '–'} |`,
    );
  }

  lines.push('', 'FHIR, collection Bundle of Patients (each linking to the next by full URL), base R4 validation:', '');
  lines.push('| size | entries | findings | CPU ms | µs per KB |', '|---|---|---|---|---|');
  await measure(patientBundle(10), { format: 'fhir' }); // warm-up: the R4 definitions
  const fhirRows = [];
  const perEntry = patientBundle(1000).length / 1000;
  for (const target of smoke ? [1e3, 1e5] : [1e3, 1e5, 1e6, 6.25e6, 50e6]) {
    const entries = Math.max(1, Math.round(target / perEntry));
    const bytes = patientBundle(entries);
    const { ms, result } = await measure(bytes, { format: 'fhir' });
    ok &&= result.valid;
    fhirRows.push({ bytes: bytes.length, ms });
    lines.push(
      `| ${sizeOf(bytes.length)} | ${entries.toLocaleString('en-US')} | ${result.findings.length} | ${fmt(ms)} | ${fmt((ms * 1000) / (bytes.length / 1024))} |`,
    );
  }
  if (fhirRows.length >= 2) lines.push('', ratioLine('FHIR', fhirRows.at(-2), fhirRows.at(-1)));
  return { ok, lines };
}

/** Peak resident memory of a process (Linux: VmHWM), in MB; the service's worker threads share it. */
function peakRssMb(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** CPU time (user + system) a process has used so far, in ms, worker threads included. */
function processCpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (100 Hz)
  } catch {
    return NaN;
  }
}

/** Valid organisasjonsnumre (modulus 11), distinct, for registering bench vendors. */
function orgNumbers(count) {
  const out = [];
  for (let n = 91_000_000; out.length < count; n++) {
    const digits = String(n).split('').map(Number);
    const sum = digits.reduce((a, d, i) => a + d * [3, 2, 7, 6, 5, 4, 3, 2][i], 0);
    const check = (11 - (sum % 11)) % 11;
    if (check !== 10) out.push(`${n}${check}`);
  }
  return out;
}

/** Starts `samsvar serve` as users start it and waits until it is ready. */
async function startService(name, env) {
  const { spawn } = await import('node:child_process');
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, [path.join(root, 'bin', 'samsvar.js'), 'serve'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      SAMSVAR_DATA: path.join(tmp, `service-${name}`),
      DATABASE_URL: '',
      SAMSVAR_CACHE_DIR: path.join(tmp, 'cache'),
      SAMSVAR_SWEEP_SECONDS: '0',
      ...env,
    },
    // Request log lines (one per request) would flood the bench's output; errors are what matters.
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  child.stderr.on('data', (d) => {
    for (const line of String(d).split('\n')) if (line && !line.includes('"msg":"request"')) errors += `${line}\n`;
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`service bench: the service exited (${child.exitCode}): ${errors.slice(0, 2000)}`);
    if (
      await fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (i > 1200) throw new Error('service bench: the service was not ready within 120 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    pid: child.pid,
    errors: () => errors,
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    },
  };
}

/** A bare @hono/node-server app that reads the body and answers a small JSON: the HTTP stack's own cost, the peer. */
async function startBareHono() {
  const { spawn } = await import('node:child_process');
  const port = 20000 + Math.floor(Math.random() * 20000);
  const script = `
    import { serve } from '@hono/node-server';
    import { Hono } from 'hono';
    const app = new Hono();
    app.post('/echo', async (c) => c.json({ bytes: (await c.req.arrayBuffer()).byteLength }));
    app.get('/healthz', (c) => c.json({ status: 'ok' }));
    serve({ fetch: app.fetch, port: ${port}, hostname: '127.0.0.1' });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  for (
    let i = 0;
    !(await fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    ));
    i++
  ) {
    if (i > 300) throw new Error('service bench: the bare hono peer did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    },
  };
}

/** A PostgreSQL database of its own for the bench (DATABASE_URL or the local server), dropped afterwards; null if none answers. */
async function benchPostgres() {
  const { default: pg } = await import('pg');
  const baseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  const name = `samsvar_bench_${Math.random().toString(16).slice(2, 10)}`;
  try {
    const admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
  } catch {
    return null;
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/**
 * One autocannon level: a warm-up (workers start and compile the profile on first use), then
 * `duration` seconds measured. Reports throughput, latency, answers by status and the service's
 * CPU time per answered request (all its threads: load-independent, unlike the rate).
 */
async function cannonLevel(service, opts, duration) {
  const { default: autocannon } = await import('autocannon');
  await autocannon({ ...opts, amount: Math.max(opts.connections * 20, 200) });
  const cpu0 = processCpuMs(service.pid);
  const statuses = {};
  const r = await autocannon({ ...opts, duration });
  const cpuMs = processCpuMs(service.pid) - cpu0;
  for (const k of Object.keys(r.statusCodeStats ?? {})) statuses[k] = r.statusCodeStats[k].count;
  const total = Object.values(statuses).reduce((a, b) => a + b, 0);
  const ok = Object.entries(statuses)
    .filter(([k]) => k.startsWith('2'))
    .reduce((a, [, n]) => a + n, 0);
  return {
    connections: opts.connections,
    okPerSecond: ok / duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    statuses,
    errors: r.errors + r.timeouts,
    cpuUsPerRequest: total ? (cpuMs * 1000) / total : NaN,
    rssMb: peakRssMb(service.pid),
  };
}

function levelLine(kind, l) {
  const other = Object.entries(l.statuses)
    .filter(([k]) => !k.startsWith('2'))
    .map(([k, n]) => `${n}×${k}`)
    .join(' ');
  return `service:   ${kind} ${String(l.connections).padStart(2)} conn: ${l.okPerSecond.toFixed(0).padStart(5)}/s, p50 ${l.p50} ms, p99 ${l.p99} ms, non-2xx ${other || '0'}${l.errors ? `, errors ${l.errors}` : ''}, CPU ${(l.cpuUsPerRequest / 1000).toFixed(2)} ms/request, peak RSS ${l.rssMb.toFixed(0)} MB`;
}

/** Registers a vendor (own token), a system, a version with a HER-id and a run of PROFILE; returns what submitting needs. */
async function openRun(base, orgNumber) {
  const call = async (method, p, token, json) => {
    const res = await fetch(`${base}${p}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(json ? { 'content-type': 'application/json' } : {}) },
      body: json ? JSON.stringify(json) : undefined,
    });
    if (!res.ok) throw new Error(`service bench: ${method} ${p} answered ${res.status} ${await res.text()}`);
    return res.json();
  };
  const { token } = await call('POST', '/api/v1/vendors', null, { orgNumber, name: `Bench ${orgNumber}`, email: 'bench@example.no' });
  const system = await call('POST', '/api/v1/systems', token, { name: 'Bench EPJ' });
  const version = await call('POST', `/api/v1/systems/${system.id}/versions`, token, { version: '1.0', herId: '8999911' });
  const run = await call('POST', '/api/v1/runs', token, { systemVersionId: version.id, profiles: [PROFILE] });
  const testcases = await call('GET', `/api/v1/testcases?profile=${PROFILE}`);
  const testcase =
    testcases.find((tc) => tc.kind === 'submit' && tc.direction !== 'receive') ?? testcases.find((tc) => tc.kind !== 'receive');
  return { token, run, testcase };
}

/**
 * A Dialogmelding forespørsel as the run's system sends it (its own party to samsvar's, the run's
 * test patient, GenDate now), with a MsgId placeholder each request fills with a fresh id.
 */
async function runForesporsel(testData) {
  const { fillTemplate, readTemplate } = await import('../dist/testcases/receive-message.js');
  const { osloDateTime, syntheticDnummer } = await import('../dist/testcases/synthetic-data.js');
  const genDate = osloDateTime(new Date());
  const system = testData.systemParty;
  const p = testData.patient;
  return fillTemplate(readTemplate('dialogmelding-foresporsel.xml'), {
    msgId: 'BENCH-MSGID',
    genDate,
    date: genDate.slice(0, 10),
    runId: testData.runId,
    'sender.name': system.name,
    'sender.herId': system.herId,
    'sender.unitName': `${system.name}, legekontoret`,
    'sender.unitHerId': '8999913',
    'sender.hcpGivenName': 'Lene',
    'sender.hcpFamilyName': 'Leverandørlege',
    'sender.hcpHpr': '9999802',
    'receiver.name': testData.samsvarParty.name,
    'receiver.herId': testData.samsvarParty.herId,
    'patient.fnr': p.fnr,
    'patient.hnr': p.hnr,
    'patient.dnr': syntheticDnummer(p.dateOfBirth),
    'patient.givenName': p.givenName,
    'patient.familyName': p.familyName,
    'patient.dateOfBirth': p.dateOfBirth,
    'runPatient.fnr': p.fnr,
    'runPatient.givenName': p.givenName,
    'runPatient.familyName': p.familyName,
    'runPatient.dateOfBirth': p.dateOfBirth,
    'conversation.id': 'bench-conversation',
    'conversation.parentMsgId': 'bench-conversation',
  });
}

/** Stored submissions into one run at each level: every request a fresh MsgId, each answered 201 after COMMIT. */
async function submissionLevels(label, service, levels, duration) {
  const { randomUUID } = await import('node:crypto');
  const { token, run, testcase } = await openRun(service.base, orgNumbers(1)[0]);
  const template = await runForesporsel(run.testData);
  const url = `${service.base}/api/v1/runs/${run.id}/submissions?testcase=${encodeURIComponent(testcase.id)}`;
  const first = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml' },
    body: template.replace('BENCH-MSGID', randomUUID()),
  });
  const verdict = first.status === 201 ? (await first.json()).verdict : `${first.status} ${await first.text()}`;
  const lines = [
    `service: submissions on ${label}: POST /api/v1/runs/{id}/submissions?testcase=${testcase.id}, a fresh MsgId each (verdict ${verdict})`,
  ];
  const results = [];
  for (const connections of levels) {
    const l = await cannonLevel(
      service,
      {
        url,
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml' },
        connections,
        requests: [{ setupRequest: (req) => ({ ...req, body: template.replace('BENCH-MSGID', randomUUID()) }) }],
      },
      duration,
    );
    results.push(l);
    lines.push(levelLine(`submissions (${label})`, l));
  }
  return { lines, results };
}

/**
 * The service under load: `samsvar serve` started as users start it, then autocannon against it.
 * - validations: POST /api/v1/validate with one Dialogmelding (profile detected, nothing stored) at
 *   1, 16 and 64 connections, public rate limit lifted and queue long enough for 64 waiting
 *   requests, so the figures measure validation, not the limits' 429/503 answers;
 * - 50 clients (issue 15): 50 connections, each a vendor of its own, with the default queue and
 *   per-client limits: how much useful work the service does when more clients want it than it has
 *   workers (2xx against 429/503 answers);
 * - submissions stored into a run on SQLite and on PostgreSQL at 1, 16 and 64 connections;
 * - the peer: the same autocannon against a bare @hono/node-server route that reads the body and
 *   answers JSON, so the ratio shows what validation and the service's own work cost over HTTP.
 */
async function serviceBench() {
  const catalog = loadCatalog({ importedDir: path.join(tmp, 'no-imports') });
  const exampleDir = path.join(catalog.require(PROFILE).dir, 'examples', 'valid');
  const body = readFileSync(
    path.join(
      exampleDir,
      readdirSync(exampleDir)
        .filter((f) => f.endsWith('.xml'))
        .sort()[0],
    ),
  );
  const duration = smoke ? 3 : Number(process.env.BENCH_SERVICE_SECONDS ?? 15);
  const levels = smoke ? [1, 16] : [1, 16, 64];
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  const lines = [
    `service: POST /api/v1/validate, one Dialogmelding (${body.length} bytes, profile detected), ${duration} s per level; load average ${load()} on ${availableParallelism()} core(s)`,
  ];
  let ok = true;
  const validate = (base) => ({ url: `${base}/api/v1/validate`, method: 'POST', headers: { 'content-type': 'application/xml' }, body });

  const peer = await startBareHono();
  let peerLevel;
  try {
    peerLevel = await cannonLevel(peer, { ...validate(peer.base), url: `${peer.base}/echo`, connections: 16 }, duration);
  } finally {
    await peer.stop();
  }

  const lifted = await startService('validate', { SAMSVAR_RATE_LIMIT: '1000000000', SAMSVAR_VALIDATION_QUEUE: '1024' });
  let at16;
  try {
    for (const connections of levels) {
      const l = await cannonLevel(lifted, { ...validate(lifted.base), connections }, duration);
      if (connections === 16) at16 = l;
      ok &&= Object.keys(l.statuses).every((k) => k.startsWith('2')) && l.errors === 0;
      lines.push(levelLine('validations', l));
    }
    lines.push(
      `service:   peer: bare @hono/node-server POST (reads the body, answers JSON) 16 conn: ${levelLine('', peerLevel).split('conn: ')[1]}`,
    );
    if (at16)
      lines.push(
        `service:   validations at 16 connections: ${((100 * at16.okPerSecond) / peerLevel.okPerSecond).toFixed(0)} % of the bare HTTP stack's rate, ${(at16.cpuUsPerRequest / peerLevel.cpuUsPerRequest).toFixed(1)}× its CPU per request (load average now ${load()})`,
      );
    lines.push('service:   (target: >= 500 validations/s at 16 connections with p99 <= 50 ms; peak RSS < 400 MB)');
  } finally {
    await lifted.stop();
  }

  if (!smoke) {
    // Issue 15: 50 clients at once, each its own vendor, against the default limits.
    const defaults = await startService('clients', { SAMSVAR_RATE_LIMIT: '1000000000' });
    try {
      const tokens = [];
      for (const org of orgNumbers(50)) {
        const res = await fetch(`${defaults.base}/api/v1/vendors`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ orgNumber: org, name: `Klient ${org}`, email: 'bench@example.no' }),
        });
        tokens.push((await res.json()).token);
      }
      let next = 0;
      const l = await cannonLevel(
        defaults,
        {
          ...validate(defaults.base),
          connections: 50,
          setupClient: (client) =>
            client.setHeaders({ 'content-type': 'application/xml', authorization: `Bearer ${tokens[next++ % tokens.length]}` }),
        },
        duration,
      );
      lines.push(`${levelLine('50 clients (default queue, a vendor token each)', l)}`);
    } finally {
      await defaults.stop();
    }
  }

  for (const [label, make] of [
    ['SQLite', async () => ({ env: {}, drop: async () => {} })],
    [
      'PostgreSQL',
      async () => {
        const db = await benchPostgres();
        return db && { env: { DATABASE_URL: db.url }, drop: db.drop };
      },
    ],
  ]) {
    const db = await make();
    if (!db) {
      lines.push(`service: submissions on ${label}: skipped (no database answers)`);
      continue;
    }
    const service = await startService(`submit-${label}`, {
      SAMSVAR_RATE_LIMIT: '1000000000',
      SAMSVAR_VALIDATION_QUEUE: '1024',
      ...db.env,
    });
    try {
      const s = await submissionLevels(label, service, levels, duration);
      for (const l of s.results) ok &&= Object.keys(l.statuses).every((k) => k.startsWith('2')) && l.errors === 0;
      lines.push(...s.lines);
    } finally {
      await service.stop();
      await db.drop();
    }
  }
  lines.push('service:   (target: >= 200 stored submissions/s on each database)');
  return { ok, lines };
}

// `--only=one-file,xml,floor,hostile,fhir,growth,service` runs just those sections; `--service` adds
// the service section (autocannon against a started service) to the others, `--floor` the batch
// target's floor (it builds a native addon).
const onlyArg = process.argv.find((a) => a.startsWith('--only='));
const only = onlyArg ? new Set(onlyArg.slice(7).split(',')) : null;
const optIn = new Set(['service', 'floor']);
const wanted = (name) => (only ? only.has(name) : !optIn.has(name) || process.argv.includes(`--${name}`));
const sections = [];
if (wanted('one-file')) sections.push(oneFileBench());
if (wanted('xml')) sections.push(await xmlBench());
if (wanted('floor')) sections.push(await floorBench());
if (wanted('hostile')) sections.push(await hostileBench());
const fhirBench = path.join(root, 'bench', 'fhir', 'fhir-bench.js');
if (wanted('fhir') && existsSync(fhirBench)) {
  const { runFhirBench } = await import(fhirBench);
  sections.push(await runFhirBench({ smoke }));
}
if (wanted('growth') && !smoke) sections.push(await growthBench());
if (wanted('service')) sections.push(await serviceBench());
for (const s of sections) for (const l of s.lines) console.log(l);
if (!process.env.BENCH_KEEP) rmSync(tmp, { recursive: true, force: true });
const failed = sections.filter((s) => !s.ok);
if (failed.length) {
  console.error(`bench: ${failed.length} section(s) reported a verdict disagreement or a hostile document that did not end quickly`);
  process.exit(1);
}
