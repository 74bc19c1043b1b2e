import type { Finding } from '../core/finding.js';
import type { ValidationResult } from '../engine/engine.js';
import { xmlText } from '../core/xml-text.js';
import type { Verdict } from '../core/verdict.js';

type Result = ValidationResult & { file: string };

/** One test case's verdict on one file, as `samsvar testcases check` reports it. */
export interface TestcaseCheckResult {
  file: string;
  testcase: string;
  /** The profile the file was validated against (for a receive test case, the AppRec's). */
  profile: string;
  verdict: Verdict;
  findings: Finding[];
}

function location(f: Finding): string {
  return f.line ? `${f.line}:${f.column ?? 1}` : '-';
}

/** One line per finding, then where it is and the clause it enforces, indented under the file. */
function findingLines(findings: readonly Finding[]): string[] {
  const out: string[] = [];
  // Rule ids share one column, as wide as the longest among these findings.
  const idWidth = Math.max(16, ...findings.map((f) => f.ruleId.length));
  const indent = `  ${''.padEnd(9)} ${''.padEnd(11)} ${''.padEnd(idWidth)}`;
  for (const f of findings) {
    out.push(`  ${location(f).padEnd(9)} ${f.severity.padEnd(11)} ${f.ruleId.padEnd(idWidth)} ${f.message}`);
    const where = f.xpath ?? f.path;
    if (where) out.push(`${indent} at ${where}`);
    if (f.reference) out.push(`${indent} see ${f.reference}`);
  }
  return out;
}

/** Human output: one block per file, one line per finding, and where to look. */
export function renderText(results: Result[]): string {
  const out: string[] = [];
  for (const r of results) {
    const profile = r.profile ? `${r.profile}${r.profileVersion ? ` ${r.profileVersion}` : ''}` : 'no profile';
    out.push(`${r.file}: ${r.valid ? 'VALID' : 'INVALID'} against ${profile} (${r.detection})`);
    out.push(...findingLines(r.findings));
  }
  const invalid = results.filter((r) => !r.valid).length;
  out.push(`${results.length} file(s): ${results.length - invalid} valid, ${invalid} invalid`);
  return out.join('\n');
}

/** Human output of test case checks: the verdict per file, then every finding as `validate` prints it. */
export function renderTestcaseText(results: TestcaseCheckResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    out.push(`${r.file}: ${r.verdict.toUpperCase()} test case ${r.testcase} (checked against ${r.profile})`);
    out.push(...findingLines(r.findings));
  }
  const failed = results.filter((r) => r.verdict === 'failed').length;
  out.push(`${results.length} check(s): ${results.length - failed} passed, ${failed} failed`);
  return out.join('\n');
}

interface JunitCase {
  name: string;
  classname: string;
  failed: boolean;
  findings: readonly Finding[];
}

/** A JUnit test suite: one test case per entry, its error findings as the failure text. */
function junitSuite(suiteName: string, cases: JunitCase[]): string {
  const failures = cases.filter((c) => c.failed).length;
  const body = cases.map((c) => {
    const errors = c.findings.filter((f) => f.severity === 'error');
    const name = xmlText(c.name);
    const classname = xmlText(c.classname);
    if (!c.failed) return `  <testcase name="${name}" classname="${classname}"/>`;
    const text = errors
      .map((f) => `${location(f)} ${f.ruleId} ${f.message}${(f.xpath ?? f.path) ? ` at ${f.xpath ?? f.path}` : ''}`)
      .join('\n');
    return `  <testcase name="${name}" classname="${classname}">\n    <failure message="${xmlText(`${errors.length} error finding(s)`)}" type="samsvar">${xmlText(text)}</failure>\n  </testcase>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="${xmlText(suiteName)}" tests="${cases.length}" failures="${failures}" errors="0">\n${body.join('\n')}\n</testsuite>`;
}

/** JUnit XML for vendors' CI: one test case per file, its error findings as the failure. */
export function renderJunit(results: Result[]): string {
  return junitSuite(
    'samsvar validate',
    results.map((r) => ({ name: r.file, classname: r.profile ?? 'unknown-profile', failed: !r.valid, findings: r.findings })),
  );
}

/** JUnit XML of test case checks: the samsvar test case is the class, the checked file the test. */
export function renderTestcaseJunit(results: TestcaseCheckResult[]): string {
  return junitSuite(
    'samsvar testcases',
    results.map((r) => ({ name: r.file, classname: r.testcase, failed: r.verdict === 'failed', findings: r.findings })),
  );
}
