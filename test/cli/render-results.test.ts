import { XmlDocument } from 'libxml2-wasm';
import { describe, expect, it } from 'vitest';
import { renderJunit } from '../../src/cli/render-results.js';
import type { ValidationResult } from '../../src/engine/engine.js';

describe('JUnit output', () => {
  it('stays well-formed XML when findings quote markup or characters XML cannot carry', () => {
    const result: ValidationResult & { file: string } = {
      file: 'a&b.xml',
      format: 'xml',
      profile: 'p',
      detection: 'given',
      valid: false,
      findings: [{ ruleId: 'R', severity: 'error', layer: 'rule', message: 'value "<x>" holds \u0001 and \uFFFF', line: 1, column: 1 }],
    };
    const xml = renderJunit([result]);
    const doc = XmlDocument.fromString(xml);
    try {
      expect(doc.get('//failure')!.content).toBe('1:1 R value "<x>" holds \uFFFD and \uFFFD');
      expect(doc.get('//testcase/@name')!.content).toBe('a&b.xml');
    } finally {
      doc.dispose();
    }
  });
});
