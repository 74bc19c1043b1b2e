import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { XmlDocument, XmlXPath } from 'libxml2-wasm';
import { SHIPPED_TESTCASES_DIR } from '../core/paths.js';
import { SamsvarError } from '../core/samsvar-error.js';
import type { ProfileCatalog } from '../profiles/catalog.js';
import { compileFhirPath } from './fhir-assertions.js';
import { checkLiveTestcase } from './live-steps.js';
import { readTemplate, templatesDir, unknownPlaceholders } from './receive-message.js';
import { parseTestcase } from './testcase-schema.js';
import { isXPathAssertion, namespacesOf, type Assertion, type Testcase } from './testcase.js';
import { withXml } from '../xml/read-xml.js';

const DEFAULT_APPREC_PROFILE = 'apprec-1.0';
/** A test case is a page of JSON; anything far larger is not one. */
const MAX_FILE_BYTES = 1024 * 1024;

function invalid(file: string, why: string): SamsvarError {
  return new SamsvarError('unprocessable', `${file}: ${why}`);
}

/**
 * Catches a broken XPath when the test case is loaded, not when a vendor's submission meets it:
 * compiles the expression and evaluates it once on a dummy document, which also finds prefixes
 * missing from the namespace map.
 */
function checkXPath(file: string, assertionId: string, expr: string, ns: Record<string, string>, probe: XmlDocument): void {
  try {
    XmlXPath.compile(expr, ns).dispose();
    probe.eval(expr, ns);
  } catch (e) {
    throw invalid(file, `assertion ${assertionId}: XPath '${expr}' is not valid: ${(e as Error).message}`);
  }
}

function checkAssertions(file: string, tc: Testcase, assertions: readonly Assertion[], profileKind: 'xml' | 'fhir' | undefined): void {
  const ids = new Set<string>();
  const ns = namespacesOf(tc);
  const probe = XmlDocument.fromString('<probe/>');
  try {
    for (const a of assertions) {
      if (ids.has(a.id)) throw invalid(file, `assertion id ${a.id} is used twice`);
      ids.add(a.id);
      if (isXPathAssertion(a)) {
        if (profileKind === 'fhir') throw invalid(file, `assertion ${a.id} uses XPath, but profile ${tc.profile} validates FHIR resources (use fhirpath)`);
        for (const expr of [a.xpath, a.context, a.actual]) if (expr !== undefined) checkXPath(file, a.id, expr, ns, probe);
      } else {
        if (profileKind === 'xml') throw invalid(file, `assertion ${a.id} uses FHIRPath, but profile ${tc.profile} validates XML messages (use xpath)`);
        try {
          compileFhirPath(a.fhirpath);
        } catch (e) {
          throw invalid(file, `assertion ${a.id}: FHIRPath '${a.fhirpath}' is not valid: ${(e as Error).message}`);
        }
      }
    }
  } finally {
    probe.dispose();
  }
}

function checkProfiles(file: string, tc: Testcase, catalog: ProfileCatalog): 'xml' | 'fhir' {
  const profile = catalog.get(tc.profile);
  if (!profile) throw invalid(file, `profile '${tc.profile}' is not in the catalog`);
  const kind = profile.manifest.kind;
  if (tc.kind === 'live') {
    const named = [tc.profile, ...tc.steps.map((s) => ('read' in s ? s.read.profile : s.search.profile)).filter((p): p is string => p !== undefined)];
    for (const id of new Set(named)) {
      const p = catalog.get(id);
      if (!p) throw invalid(file, `profile '${id}' is not in the catalog`);
      if (p.manifest.kind !== 'fhir') throw invalid(file, `live test cases validate FHIR resources, but profile ${id} is ${p.manifest.kind.toUpperCase()}`);
    }
  }
  if (tc.kind === 'receive') {
    if (kind !== 'xml') throw invalid(file, `receive test cases generate XML messages, but profile ${tc.profile} is ${kind.toUpperCase()}`);
    const apprec = tc.expect.apprecProfile ?? DEFAULT_APPREC_PROFILE;
    if (!catalog.get(apprec)) throw invalid(file, `AppRec profile '${apprec}' is not in the catalog`);
  }
  return kind;
}

/** Resolves a receive test case's template into its inline XML and checks it is well-formed. */
function resolveMessage(file: string, tc: Testcase, dir: string): void {
  if (tc.kind !== 'receive') return;
  let xml: string;
  try {
    xml = tc.message.xml ?? readTemplate(tc.message.template!, templatesDir(dir));
  } catch (e) {
    throw invalid(file, e instanceof SamsvarError ? e.detail : (e as Error).message);
  }
  const unknown = unknownPlaceholders(xml);
  if (unknown.length) throw invalid(file, `message template uses unknown placeholders: ${unknown.map((n) => `{{${n}}}`).join(', ')}`);
  try {
    withXml(xml, () => undefined);
  } catch (e) {
    throw invalid(file, `message template: ${e instanceof SamsvarError ? e.detail : (e as Error).message}`);
  }
  tc.message = { ...tc.message, xml };
}

/**
 * Reads and checks one test case file: the schema, an id equal to the file name, expressions that
 * compile, placeholders that are declared and, when a catalog is given, profiles that exist and fit.
 * `dir` holds the templates/ a receive test case may name.
 */
export function loadTestcaseFile(file: string, catalog?: ProfileCatalog, dir: string = path.dirname(file)): Testcase {
  let raw: unknown;
  try {
    if (statSync(file).size > MAX_FILE_BYTES) throw invalid(file, `larger than ${MAX_FILE_BYTES} bytes`);
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    if (e instanceof SamsvarError) throw e;
    if ((e as NodeJS.ErrnoException).code) throw new SamsvarError('not_found', `cannot read test case ${file}: ${(e as NodeJS.ErrnoException).code}`);
    throw invalid(file, `not valid JSON: ${(e as Error).message}`);
  }
  const tc = parseTestcase(raw, file);
  const name = path.basename(file, '.json');
  if (tc.id !== name) throw invalid(file, `the id '${tc.id}' must equal the file name; name the file ${tc.id}.json or change the id to '${name}'`);
  const kind = catalog ? checkProfiles(file, tc, catalog) : undefined;
  if (tc.kind === 'live') checkLiveTestcase(tc, file);
  else checkAssertions(file, tc, tc.expect.assertions ?? [], kind);
  resolveMessage(file, tc, dir);
  tc.source = file;
  return tc;
}

/** Test cases of one profile in the order a vendor works through them: by `order`, then unordered ones by id. */
function byOrder(a: Testcase, b: Testcase): number {
  return a.profile.localeCompare(b.profile) || (a.order ?? Infinity) - (b.order ?? Infinity) || a.id.localeCompare(b.id);
}

/**
 * Loads every `*.json` test case in `dir` (subdirectories are not read: templates/ holds message
 * templates) with loadTestcaseFile; ids are unique because each is its file's name. Any problem
 * throws a SamsvarError naming the file: a broken test case is refused at start, not found by a
 * vendor. The list is grouped by profile, each profile's test cases in their `order`.
 */
export function loadTestcases(dir: string = SHIPPED_TESTCASES_DIR, catalog?: ProfileCatalog): Testcase[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new SamsvarError('not_found', `test case directory ${dir} does not exist`);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json') && statSync(path.join(dir, f)).isFile())
    .sort();
  return files.map((name) => loadTestcaseFile(path.join(dir, name), catalog, dir)).sort(byOrder);
}

/** The test cases of one profile, in their order (the order a vendor works through them). */
export function testcasesForProfile(testcases: readonly Testcase[], profile: string): Testcase[] {
  return testcases.filter((tc) => tc.profile === profile);
}
