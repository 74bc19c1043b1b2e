import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { XmlDocument, XmlXPath } from 'libxml2-wasm';
import { SHIPPED_TESTCASES_DIR } from '../core/paths.js';
import { SamsvarError } from '../core/samsvar-error.js';
import type { ProfileCatalog } from '../profiles/catalog.js';
import { compileFhirPath } from './fhir-assertions.js';
import { readTemplate, templatesDir, unknownPlaceholders } from './receive-message.js';
import { parseTestcase } from './testcase-schema.js';
import { isXPathAssertion, namespacesOf, type Assertion, type Testcase } from './testcase.js';
import { withXml } from '../xml/read-xml.js';

const DEFAULT_APPREC_PROFILE = 'apprec-1.0';

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
 * Loads every `*.json` test case in `dir` (subdirectories are not read: templates/ holds message
 * templates and other directories belong to other kinds of test). Each file is checked against the
 * test case schema, ids must be unique, XPath and FHIRPath expressions must compile and, when a
 * catalog is given, the profiles must exist and fit the assertions. Any problem throws a
 * SamsvarError naming the file: a broken test case is refused at start, not found by a vendor.
 */
export function loadTestcases(dir: string = SHIPPED_TESTCASES_DIR, catalog?: ProfileCatalog): Testcase[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new SamsvarError('not_found', `test case directory ${dir} does not exist`);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json') && statSync(path.join(dir, f)).isFile())
    .sort();
  const byId = new Map<string, string>();
  const testcases: Testcase[] = [];
  for (const name of files) {
    const file = path.join(dir, name);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw invalid(file, `not valid JSON: ${(e as Error).message}`);
    }
    const tc = parseTestcase(raw, file);
    const seen = byId.get(tc.id);
    if (seen) throw new SamsvarError('conflict', `test case id ${tc.id} is defined both in ${seen} and ${file}`);
    byId.set(tc.id, file);
    const kind = catalog ? checkProfiles(file, tc, catalog) : undefined;
    checkAssertions(file, tc, tc.expect.assertions ?? [], kind);
    resolveMessage(file, tc, dir);
    tc.source = file;
    testcases.push(tc);
  }
  return testcases;
}

/** The test cases of one profile, in file order (the order a vendor works through them). */
export function testcasesForProfile(testcases: readonly Testcase[], profile: string): Testcase[] {
  return testcases.filter((tc) => tc.profile === profile);
}
