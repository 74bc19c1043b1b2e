import type { Finding } from '../core/finding.js';
import type { LiveTestcase } from '../testcases/testcase.js';
import type { LiveTestResult } from './live-runner.js';

function findingLine(f: Finding): string {
  const where = f.path ? ` at ${f.path}` : '';
  const ref = f.reference ? `\n          see ${f.reference}` : '';
  return `${f.severity.padEnd(11)} ${f.ruleId} [${f.layer}]${where}: ${f.message}${ref}`;
}

/** The human-readable report of a live run, as the CLI prints it. */
export function renderLiveText(result: LiveTestResult): string {
  const lines = [`${result.testcase.id}: ${result.testcase.title}`, `base URL ${result.baseUrl}, profile ${result.testcase.profile}`, ''];
  for (const step of result.steps) {
    lines.push(`step ${step.index} ${step.title}: ${step.outcome.toUpperCase()}`);
    for (const x of step.exchanges) {
      const via = x.redirects?.length ? ` (redirected from ${x.redirects.join(' → ')})` : '';
      lines.push(`    GET ${x.url} → ${x.status ?? 'no answer'} in ${x.durationMs} ms${via}`);
    }
    for (const f of step.findings.filter((f) => !f.resource)) lines.push(`    ${findingLine(f)}`);
    for (const r of step.resources) {
      const errors = r.findings.filter((f) => f.severity === 'error').length;
      lines.push(`    ${r.reference} against ${r.profile}: ${r.valid ? 'valid' : `invalid (${errors} error${errors === 1 ? '' : 's'})`}`);
      for (const f of r.findings) lines.push(`        ${findingLine(f)}`);
    }
    if (step.notValidated) lines.push(`    ${step.notValidated} more resource(s) not validated (cap reached)`);
  }
  const count = (sev: Finding['severity']) => result.findings.filter((f) => f.severity === sev).length;
  lines.push(
    '',
    `verdict: ${result.verdict.toUpperCase()} (${count('error')} error(s), ${count('warning')} warning(s); ${result.resourcesValidated} resource(s) validated in ${result.durationMs} ms)`,
  );
  return lines.join('\n');
}

/** One block per shipped live test case: what to pass on the command line. */
export function renderLiveTestcaseList(testcases: LiveTestcase[]): string {
  if (!testcases.length) return 'no live test cases installed';
  return testcases
    .map((tc) => {
      const params = (tc.parameters ?? []).map((p) => `    --param ${p.name}=${p.example ?? '…'}   ${p.description}`);
      return [`${tc.id}  (profile ${tc.profile})`, `    ${tc.title}`, ...params].join('\n');
    })
    .join('\n\n');
}
