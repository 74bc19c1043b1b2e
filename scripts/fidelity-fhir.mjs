#!/usr/bin/env node
// Compares samsvar's FHIR verdicts with the HL7 Java validator's expected outcomes on the R4 test
// cases of FHIR/fhir-test-cases (Apache-2.0). Not a test: it reads third-party cases from outside
// the project when they are present.
//
//   node scripts/fidelity-fhir.mjs [--cases DIR] [--json] [--verbose] [--only NAME]
//
// DIR is either a checkout of fhir-test-cases (it has validator/manifest.json) or a folder of
// `valid/` and `invalid/` cases with `<case>.outcome.json` beside each (the selection in
// ../shared/reference/fhir/examples/r4-validator-cases, the default, or $FHIR_TEST_CASES).
//
// FIDELITY_DEBUG=1 prints every finding of each case (and why a profile could not be used) on stderr.
//
// Which cases count: FHIR 4.0, JSON or XML (the resource and its supporting conformance
// resources; XML read by samsvar's own FHIR XML reader), not switched off, no packages beyond the core, and none of
// the modules that test something other than resource validation against the R4 definitions
// (terminology servers, CDS Hooks, SMART Health Cards, logical models, …). A case
// whose expected outcome has an error that only a terminology server can find (a display name, a
// code of SNOMED CT or LOINC) is left out as "needs terminology". Supporting conformance resources
// (StructureDefinitions, ValueSets, CodeSystems, Questionnaires) are loaded as catalog profiles, as
// `samsvar profiles import` would.
//
// Agreement is judged on the verdict (any error or none) and, for information, on the number of
// errors. False passes (the Java validator finds an error, samsvar none) are listed first.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(path.join(root, 'dist', 'fhir', 'fhir-validator.js'))) {
  console.error('fidelity-fhir: dist/ is missing; run `npm run build` first');
  process.exit(2);
}
const { FhirValidator } = await import('../dist/fhir/fhir-validator.js');
const { ProfileCatalog, loadProfileDir } = await import('../dist/profiles/catalog.js');
const { readFhirXml } = await import('../dist/fhir/xml-reader.js');
const { toPlain } = await import('../dist/fhir/json-parser.js');
const { baseConformance, CANONICAL_TYPES } = await import('../dist/fhir/conformance-store.js');

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const shared = path.resolve(root, '..', 'shared', 'reference', 'fhir', 'examples', 'r4-validator-cases');
const casesDir = path.resolve(opt('--cases') ?? process.env.FHIR_TEST_CASES ?? shared);
const asJson = args.includes('--json');
const verbose = args.includes('--verbose');
const only = opt('--only');

if (!existsSync(casesDir)) {
  console.log(`fidelity-fhir: no test cases at ${casesDir}; pass --cases DIR (a checkout of FHIR/fhir-test-cases) or set FHIR_TEST_CASES`);
  process.exit(0);
}

/** Modules of the manifest whose cases test something other than R4 resource validation. */
const OTHER_MODULES = {
  tx: 'terminology server',
  'tx-advanced': 'terminology server',
  cdshooks: 'CDS Hooks logical model',
  shc: 'SMART Health Cards',
  logical: 'logical models',
  json5: 'JSON5 input',
  matchetype: 'matchetype comparison',
  dsig: 'digital signatures',
  api: 'validator API',
  xver: 'cross-version extensions',
  'package-versioning': 'package versions',
  scoring: 'scoring',
};

/**
 * The terminology-server and API modules also hold cases that validate a CodeSystem, ValueSet or
 * SearchParameter as its author wrote it (counts, properties, canonical URLs, derivedFrom): those
 * are resource validation, and count. Errors in them that need a terminology server are still set
 * aside as such.
 */
const CONFORMANCE_MODULES = new Set(['tx', 'api']);
const AUTHORED_TYPES = new Set(['CodeSystem', 'ValueSet', 'SearchParameter']);
function authoredConformanceResource(t, vdir) {
  if (!CONFORMANCE_MODULES.has(t.module) || !t.file.endsWith('.json') || t.supporting?.length) return false;
  try {
    return AUTHORED_TYPES.has(JSON.parse(readFileSync(path.join(vdir, t.file), 'utf8')).resourceType);
  } catch {
    return false;
  }
}

/** Validator settings that change the Java validator's defaults; samsvar validates with the defaults. */
const NON_DEFAULT_SETTINGS = [
  'examples',
  'security-checks',
  'validateReference',
  'validateContains',
  'noHtmlInMarkdown',
  'no-experimental-content',
  'allowed-extension-domain',
  'ips',
  'r5-bundle-relative-reference-policy',
  'assumeValidRestReferences',
  'fetcher',
  'bundle-param',
  'for-publication',
  'logical',
];

/** An error only a terminology server can report: display names, codes of external code systems. */
const TERMINOLOGY_ERROR =
  /display|Unknown code|not found in (the )?(value ?set|code ?system)|is not in the value set|None of the codings|could not be validated|Unable to (validate|check)|terminology|snomed|loinc|\bcvx\b|rxnorm|ICD-?10|urn:ietf:bcp:47|language|The value set .* not found|ValueSet .* not found|CodeSystem .* (could not be|not) found/i;

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

let baseStore;
/** A conformance resource in either FHIR format, as JSON: XML read by samsvar's own FHIR XML reader. */
function readResource(file) {
  if (!file.endsWith('.xml')) return readJson(file);
  baseStore ??= baseConformance();
  const read = readFhirXml(readFileSync(file), baseStore);
  if (!read.ok) throw new Error(`${file}: ${read.finding.message}`);
  return toPlain(read.root);
}

function outcomeOf(ref, dir) {
  if (!ref) return undefined;
  if (typeof ref === 'object') return ref.outcome ?? ref;
  for (const f of [ref, `${ref}.json`]) {
    const p = path.join(dir, f);
    if (existsSync(p)) return readJson(p);
  }
  return undefined;
}

/**
 * The manifest names one file twice (ext-derived-circle), once with the outcome of a ValueSet where
 * the file is a StructureDefinition: an outcome whose every issue is located in another resource
 * type than the file's root describes some other file.
 */
function aboutAnotherResource(outcome, file) {
  let type;
  try {
    const text = readFileSync(file, 'utf8');
    type = file.endsWith('.xml')
      ? /<(?:[\w.-]+:)?([A-Z]\w*)[\s>]/.exec(text.replace(/<\?[^]*?\?>|<!--[^]*?-->/g, ''))?.[1]
      : JSON.parse(text).resourceType;
  } catch {
    return false;
  }
  const roots = (outcome?.issue ?? []).flatMap((i) => (i.expression ?? i.location ?? []).map((e) => e.split(/[.[]/)[0]));
  return typeof type === 'string' && roots.length > 0 && roots.every((r) => r !== type && /^[A-Z]/.test(r));
}

function errorsOf(outcome) {
  return (outcome?.issue ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal');
}

/**
 * The errors a validator without a terminology server can find. A case whose errors all need one
 * is left out; otherwise the terminology errors are set aside (and counted).
 */
function withoutTerminology(outcome, name, skipped) {
  const all = errorsOf(outcome);
  const expected = all.filter((i) => !TERMINOLOGY_ERROR.test(i.details?.text ?? ''));
  if (all.length && !expected.length) {
    skipped.push({ name, why: `needs terminology: ${all[0].details?.text?.slice(0, 100)}` });
    return undefined;
  }
  return { expected, terminologyErrors: all.length - expected.length };
}

/** The cases to compare, with why each left out is left out. */
function collectCases() {
  const manifestFile = path.join(casesDir, 'validator', 'manifest.json');
  const cases = [];
  const skipped = [];
  if (existsSync(manifestFile)) {
    const vdir = path.join(casesDir, 'validator');
    for (const t of readJson(manifestFile)['test-cases']) {
      if (t.version !== '4.0') continue;
      const skip = (why) => skipped.push({ name: t.name, why });
      if (!t.file.endsWith('.json') && !t.file.endsWith('.xml')) {
        skip('another format than FHIR JSON or XML');
        continue;
      }
      if (t['use-test'] === false) {
        skip('switched off in the manifest');
        continue;
      }
      if (OTHER_MODULES[t.module] && !authoredConformanceResource(t, path.join(casesDir, 'validator'))) {
        skip(OTHER_MODULES[t.module]);
        continue;
      }
      if (t.packages?.length) {
        skip('needs packages beyond the R4 core');
        continue;
      }
      // The questionnaire cases name the standalone fetcher, which fetches what the case does not
      // bring; each brings the Questionnaire its response is checked against.
      const setting = NON_DEFAULT_SETTINGS.find((k) => k in t && !(k === 'fetcher' && t.module === 'questionnaire'));
      if (setting) {
        skip(`non-default validator setting: ${setting}`);
        continue;
      }
      const supporting = [...(t.supporting ?? []), ...(t.profiles ?? [])];
      if (supporting.some((s) => !s.endsWith('.json') && !s.endsWith('.xml'))) {
        skip('supporting files in another format than FHIR JSON or XML');
        continue;
      }
      const outcome =
        outcomeOf(t.java, path.join(vdir, 'outcomes')) ?? outcomeOf(`java/R4.${t.name}-base.json`, path.join(vdir, 'outcomes'));
      if (!outcome) {
        skip('no Java outcome');
        continue;
      }
      if (!existsSync(path.join(vdir, t.file))) {
        skip('file not in the checkout');
        continue;
      }
      if (aboutAnotherResource(outcome, path.join(vdir, t.file))) {
        skip('Java outcome about another resource type than the file');
        continue;
      }
      const steps = [{ step: 'base', outcome }];
      if (t.profile?.source?.endsWith('.json') || t.profile?.source?.endsWith('.xml')) {
        const po = outcomeOf(t.profile.java, path.join(vdir, 'outcomes'));
        if (po) steps.push({ step: 'profile', profile: t.profile.source, outcome: po, supporting: t.profile.supporting ?? [] });
      }
      for (const s of steps) {
        const name = s.step === 'base' ? t.name : `${t.name} (profile)`;
        const expected = withoutTerminology(s.outcome, name, skipped);
        if (!expected) continue;
        cases.push({
          name,
          module: t.module ?? '',
          file: path.join(vdir, t.file),
          supporting: [...supporting, ...(s.supporting ?? []), ...(s.profile ? [s.profile] : [])].map((f) => path.join(vdir, f)),
          profileFile: s.profile && path.join(vdir, s.profile),
          ...expected,
        });
      }
    }
  } else {
    for (const group of ['valid', 'invalid']) {
      const dir = path.join(casesDir, group);
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir).sort()) {
        if (!f.endsWith('.json') || f.endsWith('.outcome.json')) continue;
        const outcome = readJson(path.join(dir, f.replace(/\.json$/, '.outcome.json')));
        const name = f.replace(/\.json$/, '');
        const expected = withoutTerminology(outcome, name, skipped);
        if (!expected) continue;
        cases.push({ name, module: group, file: path.join(dir, f), supporting: [], ...expected });
      }
    }
  }
  return { cases: only ? cases.filter((c) => c.name === only) : cases, skipped };
}

/**
 * A catalog holding the case's supporting conformance resources, one catalog profile per resource
 * profile, and one for the profile the case names (given to the Java validator as -profile, whatever
 * its derivation says).
 */
function catalogFor(supporting, tmp, profileUrl) {
  const catalog = new ProfileCatalog();
  if (!supporting.length) return { catalog };
  const resources = [];
  for (const f of supporting) {
    try {
      const r = readResource(f);
      if (r.resourceType === 'Bundle') {
        for (const e of r.entry ?? []) if (e.resource) resources.push(e.resource);
      } else {
        resources.push(r);
      }
    } catch {
      /* a supporting file that is not JSON defines nothing */
    }
  }
  const conformance = resources.filter((r) => CANONICAL_TYPES.has(r.resourceType) && r.url);
  const files = conformance.map((r, i) => {
    const name = `r${i}.json`;
    return { name, r };
  });
  const carriers = conformance.filter(
    // The case's named profile whatever its kind says (patient-address-choice-profile says complex-type).
    (r) => r.resourceType === 'StructureDefinition' && ((r.kind === 'resource' && r.derivation === 'constraint') || r.url === profileUrl),
  );
  const byUrl = new Map();
  const all = carriers.length ? carriers : [{ url: 'http://hl7.org/fhir/StructureDefinition/Basic', id: 'carrier' }];
  all.forEach((sd, i) => {
    const id = `case-${i}`;
    const dir = path.join(tmp, id);
    mkdirSync(dir, { recursive: true });
    // Where the case brings several versions of one profile, each carrier holds its own version only.
    const mine = files.filter(({ r }) => r === sd || r.url !== sd.url);
    for (const { name, r } of mine) writeFileSync(path.join(dir, name), JSON.stringify(r));
    writeFileSync(
      path.join(dir, 'profile.json'),
      JSON.stringify({ id, version: '0.0.0', title: sd.id ?? id, kind: 'fhir', url: sd.url, resources: mine.map((f) => f.name) }),
    );
    catalog.add(loadProfileDir(dir, 'imported'));
    byUrl.set(sd.url, id);
  });
  return { catalog, byUrl };
}

async function run(c) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'samsvar-fidelity-'));
  try {
    const profileUrl = c.profileFile ? readResource(c.profileFile).url : undefined;
    const { catalog, byUrl } = catalogFor(c.supporting, tmp, profileUrl);
    const validator = new FhirValidator(catalog);
    const profileId = profileUrl ? byUrl?.get(profileUrl) : undefined;
    const result = await validator.validate(readFileSync(c.file), profileId);
    if (process.env.FIDELITY_DEBUG)
      console.error(
        JSON.stringify(
          result.findings.map((f) => [f.severity, f.ruleId, f.message, f.path]),
          null,
          1,
        ),
      );
    return result.findings.filter((f) => f.severity === 'error');
  } catch (e) {
    if (process.env.FIDELITY_DEBUG) console.error(e.message);
    return [{ ruleId: 'SCRIPT-ERROR', message: e.message }];
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const { cases, skipped } = collectCases();
const rows = [];
for (const c of cases) {
  const got = await run(c);
  const expectedErrors = c.expected.length;
  const verdict = expectedErrors > 0 === got.length > 0 ? 'agree' : expectedErrors > 0 ? 'false pass' : 'false error';
  rows.push({
    name: c.name,
    module: c.module,
    // Where FHIR XML is read: the resource itself, or only its supporting profiles.
    xml: c.file.endsWith('.xml') ? 'resource' : c.supporting.some((f) => f.endsWith('.xml')) ? 'profiles' : undefined,
    expectedErrors,
    samsvarErrors: got.length,
    verdict,
    expected: c.expected.map((i) => `${i.details?.text ?? i.diagnostics} @ ${(i.expression ?? i.location ?? []).join(', ')}`),
    samsvar: got.map((f) => `${f.ruleId} ${f.message}${f.path ? ` @ ${f.path}` : ''}`),
  });
}

const falsePasses = rows.filter((r) => r.verdict === 'false pass');
const falseErrors = rows.filter((r) => r.verdict === 'false error');
const agreeing = rows.filter((r) => r.verdict === 'agree');
const sameCount = agreeing.filter((r) => r.expectedErrors === r.samsvarErrors);
const summary = {
  casesDir,
  compared: rows.length,
  agree: agreeing.length,
  falsePasses: falsePasses.length,
  falseErrors: falseErrors.length,
  sameErrorCount: sameCount.length,
  leftOut: skipped.length,
};
const tally = (list) => ({
  compared: list.length,
  agree: list.filter((r) => r.verdict === 'agree').length,
  falsePasses: list.filter((r) => r.verdict === 'false pass').length,
  falseErrors: list.filter((r) => r.verdict === 'false error').length,
});
summary.byFormat = {
  json: tally(rows.filter((r) => !r.xml)),
  xmlResource: tally(rows.filter((r) => r.xml === 'resource')),
  xmlProfilesOnly: tally(rows.filter((r) => r.xml === 'profiles')),
};

if (asJson) {
  console.log(JSON.stringify({ summary, rows, skipped }, null, 2));
} else {
  const show = (title, list) => {
    if (!list.length) return;
    console.log(`\n${title} (${list.length})`);
    for (const r of list) {
      console.log(`  ${r.name} [${r.module}]: Java ${r.expectedErrors} error(s), samsvar ${r.samsvarErrors}`);
      if (verbose || r.verdict !== 'agree') {
        for (const e of r.expected.slice(0, 6)) console.log(`      java:    ${e.slice(0, 200)}`);
        for (const e of r.samsvar.slice(0, 6)) console.log(`      samsvar: ${e.slice(0, 200)}`);
      }
    }
  };
  show('False passes: the Java validator finds errors, samsvar none', falsePasses);
  show('False errors: samsvar finds errors, the Java validator none', falseErrors);
  if (verbose)
    show(
      'Same verdict, different error count',
      agreeing.filter((r) => r.expectedErrors !== r.samsvarErrors),
    );
  if (verbose) {
    console.log(`\nLeft out (${skipped.length})`);
    const why = {};
    for (const s of skipped) why[s.why.replace(/:.*/, '')] = (why[s.why.replace(/:.*/, '')] ?? 0) + 1;
    for (const [k, n] of Object.entries(why).sort((a, b) => b[1] - a[1])) console.log(`  ${n} ${k}`);
  }
  console.log(`\nHL7 validator R4 cases at ${casesDir}`);
  console.log(
    `  compared ${summary.compared}: verdict agrees on ${summary.agree} (${((100 * summary.agree) / Math.max(1, summary.compared)).toFixed(1)}%), ${summary.falsePasses} false passes, ${summary.falseErrors} false errors; same number of errors on ${summary.sameErrorCount}`,
  );
  for (const [label, t] of [
    ['JSON throughout', summary.byFormat.json],
    ['the resource in XML', summary.byFormat.xmlResource],
    ['JSON resource, XML profiles', summary.byFormat.xmlProfilesOnly],
  ])
    if (t.compared)
      console.log(`    ${label}: ${t.agree} of ${t.compared} agree, ${t.falsePasses} false passes, ${t.falseErrors} false errors`);
  console.log(`  left out ${summary.leftOut} (other modules, formats, packages, terminology; --verbose lists why)`);
}
