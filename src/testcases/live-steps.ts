import { SamsvarError } from '../core/samsvar-error.js';
import type { LiveStep, LiveTestcase } from './testcase.js';

/** `{{name}}` in a live step: a parameter the vendor gives when the test runs. */
export const LIVE_PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g;

export function placeholdersIn(step: LiveStep): string[] {
  const names: string[] = [];
  const scan = (s: string) => {
    for (const m of s.matchAll(LIVE_PLACEHOLDER)) names.push(m[1]!);
  };
  if ('read' in step) scan(step.read.id);
  else for (const v of Object.values(step.search.params)) (Array.isArray(v) ? v : [v]).forEach(scan);
  return names;
}

/** What the schema cannot say of a live test case: parameters declared once, patterns that compile, placeholders declared. */
export function checkLiveTestcase(tc: LiveTestcase, where: string): void {
  const declared = new Set((tc.parameters ?? []).map((p) => p.name));
  if (declared.size !== (tc.parameters ?? []).length) throw new SamsvarError('unprocessable', `${where}: a parameter is declared twice`);
  for (const p of tc.parameters ?? []) {
    if (p.pattern === undefined) continue;
    try {
      new RegExp(p.pattern, 'u');
    } catch (e) {
      throw new SamsvarError('unprocessable', `${where}: parameter ${p.name} has an invalid pattern: ${(e as Error).message}`);
    }
  }
  tc.steps.forEach((step, i) => {
    for (const name of placeholdersIn(step)) {
      if (!declared.has(name)) throw new SamsvarError('unprocessable', `${where}: step ${i + 1} uses {{${name}}}, which is not a declared parameter`);
    }
  });
}
