import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHIPPED_PROFILES_DIR } from '../../src/core/paths.js';
import { Engine } from '../../src/engine/engine.js';
import { loadCatalog } from '../../src/profiles/catalog.js';

const engine = new Engine(loadCatalog({ importedDir: '/nonexistent-samsvar-data' }));
const apprec = readFileSync(path.join(SHIPPED_PROFILES_DIR, 'apprec-1.0/examples/valid/ok.xml'), 'utf8');
const msghead = readFileSync(path.join(SHIPPED_PROFILES_DIR, 'msghead-1.2/examples/valid/notat-med-vedlegg.xml'), 'utf8');

async function rulesOf(xml: string, profile: string): Promise<string[]> {
  return (await engine.validate(new TextEncoder().encode(xml), { profile })).findings.map((f) => f.ruleId);
}

const receipt = (genDate: string, issueDate: string) =>
  apprec.replace(/<GenDate>[^<]*<\/GenDate>/, `<GenDate>${genDate}</GenDate>`).replace(/<IssueDate>[^<]*<\/IssueDate>/, `<IssueDate>${issueDate}</IssueDate>`);

describe('date-time comparisons honour UTC offsets', () => {
  it('AR-0010: a message issued at 10:30+02:00 was issued before a receipt generated at 10:16+01:00', async () => {
    expect(await rulesOf(receipt('2026-03-02T10:16:05+01:00', '2026-03-02T10:30:00+02:00'), 'apprec-1.0')).not.toContain('AR-0010');
    expect(await rulesOf(receipt('2026-03-02T10:16:05+01:00', '2026-03-02T09:10:00Z'), 'apprec-1.0')).not.toContain('AR-0010');
  });

  it('AR-0010: a message issued at 09:30Z was issued after a receipt generated at 10:16+01:00 (09:16Z), also across midnight', async () => {
    expect(await rulesOf(receipt('2026-03-02T10:16:05+01:00', '2026-03-02T09:30:00Z'), 'apprec-1.0')).toContain('AR-0010');
    expect(await rulesOf(receipt('2026-03-01T00:30:00+01:00', '2026-02-28T23:45:00Z'), 'apprec-1.0')).toContain('AR-0010');
    expect(await rulesOf(receipt('2026-03-01T00:50:00+01:00', '2026-02-28T23:45:00Z'), 'apprec-1.0')).not.toContain('AR-0010');
  });

  it('compares local times only with local times, and leaves a local time against a zoned one alone', async () => {
    expect(await rulesOf(receipt('2026-03-02T10:16:05', '2026-03-02T10:20:00'), 'apprec-1.0')).toContain('AR-0010');
    expect(await rulesOf(receipt('2026-03-02T10:16:05+01:00', '2026-03-02T10:20:00'), 'apprec-1.0')).not.toContain('AR-0010');
  });

  it('MH-0004: a document issued at 10:14:30+02:00 is older than a message generated at 10:15:00+01:00', async () => {
    const withTimes = (gen: string, issued: string) =>
      msghead.replace(/<GenDate>[^<]*<\/GenDate>/, `<GenDate>${gen}</GenDate>`).replace(/<IssueDate V="[^"]*"\/>/, `<IssueDate V="${issued}"/>`);
    expect(await rulesOf(withTimes('2026-03-02T10:15:00+01:00', '2026-03-02T10:14:30+02:00'), 'msghead-1.2')).not.toContain('MH-0004');
    expect(await rulesOf(withTimes('2026-03-02T10:15:00+01:00', '2026-03-02T10:14:30Z'), 'msghead-1.2')).toContain('MH-0004');
  });
});
