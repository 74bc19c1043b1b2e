import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';

/**
 * Test-case texts are bokmål: what a vendor reads (titles, descriptions, parameter descriptions,
 * live steps, assertion messages and references) has none of these English words, once quoted
 * values and XPath or FHIRPath calls are left aside.
 */
const ENGLISH = /\b(the|of|on|your|must|should|digits|with|is not|does not)\b/i;
const READ = new Set(['title', 'description', 'message', 'reference', 'requirements', 'defects', 'actual']);

function texts(value: unknown, key: string, out: string[]): string[] {
  if (Array.isArray(value)) for (const v of value) texts(v, key, out);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) texts(v, k, out);
  else if (typeof value === 'string' && READ.has(key)) out.push(value);
  return out;
}

describe('shipped test cases', () => {
  it('say what a vendor reads in bokmål', () => {
    const dir = path.join(PACKAGE_ROOT, 'testcases');
    const english: string[] = [];
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    for (const file of files)
      for (const text of texts(JSON.parse(readFileSync(path.join(dir, file), 'utf8')), '', [])) {
        const prose = text.replace(/"[^"]*"|'[^']*'|[A-Za-z]+\([^)]*\)/g, '');
        if (ENGLISH.test(prose)) english.push(`${file}: ${text}`);
      }
    expect(files.length).toBeGreaterThan(300);
    expect(english).toEqual([]);
  });
});
