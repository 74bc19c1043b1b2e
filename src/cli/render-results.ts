import type { Finding } from '../core/finding.js';
import type { ValidationResult } from '../engine/engine.js';

type Result = ValidationResult & { file: string };

function location(f: Finding): string {
  return f.line ? `${f.line}:${f.column ?? 1}` : '-';
}

/** Human output: one block per file, one line per finding, and where to look. */
export function renderText(results: Result[]): string {
  const out: string[] = [];
  for (const r of results) {
    const profile = r.profile ? `${r.profile}${r.profileVersion ? ` ${r.profileVersion}` : ''}` : 'no profile';
    out.push(`${r.file}: ${r.valid ? 'VALID' : 'INVALID'} against ${profile} (${r.detection})`);
    for (const f of r.findings) {
      out.push(`  ${location(f).padEnd(9)} ${f.severity.padEnd(11)} ${f.ruleId.padEnd(16)} ${f.message}`);
      const where = f.xpath ?? f.path;
      if (where) out.push(`  ${''.padEnd(9)} ${''.padEnd(11)} ${''.padEnd(16)} at ${where}`);
      if (f.reference) out.push(`  ${''.padEnd(9)} ${''.padEnd(11)} ${''.padEnd(16)} see ${f.reference}`);
    }
  }
  const invalid = results.filter((r) => !r.valid).length;
  out.push(`${results.length} file(s): ${results.length - invalid} valid, ${invalid} invalid`);
  return out.join('\n');
}

function xmlEscape(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** JUnit XML for vendors' CI: one test case per file, its error findings as the failure. */
export function renderJunit(results: Result[]): string {
  const failures = results.filter((r) => !r.valid).length;
  const cases = results.map((r) => {
    const errors = r.findings.filter((f) => f.severity === 'error');
    const name = xmlEscape(r.file);
    const classname = xmlEscape(r.profile ?? 'unknown-profile');
    if (r.valid) return `  <testcase name="${name}" classname="${classname}"/>`;
    const body = errors.map((f) => `${location(f)} ${f.ruleId} ${f.message}${f.xpath ?? f.path ? ` at ${f.xpath ?? f.path}` : ''}`).join('\n');
    return `  <testcase name="${name}" classname="${classname}">\n    <failure message="${xmlEscape(`${errors.length} error finding(s)`)}" type="samsvar">${xmlEscape(body)}</failure>\n  </testcase>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="samsvar validate" tests="${results.length}" failures="${failures}" errors="0">\n${cases.join('\n')}\n</testsuite>`;
}
