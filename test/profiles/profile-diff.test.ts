import { describe, expect, it } from 'vitest';
import { profileDigest } from '../../src/profiles/catalog.js';
import type { LoadedProfile } from '../../src/profiles/manifest.js';
import { diffProfiles } from '../../src/profiles/profile-diff.js';

const enc = (s: string) => new TextEncoder().encode(s);
const sch = (asserts: string) => `<sch:schema xmlns:sch="http://purl.oclc.org/dsdl/schematron"><sch:pattern><sch:rule context="/">${asserts}</sch:rule></sch:pattern></sch:schema>`;
const list = (codes: [string, string][]) => JSON.stringify({ oid: '2.999.1', name: 'L', codes: codes.map(([code, display]) => ({ code, display })) });

function profile(version: string, files: Record<string, string>): LoadedProfile {
  const map = new Map(Object.entries(files).map(([k, v]) => [k, enc(v)]));
  return { manifest: { id: 'p', version, title: 'P', kind: 'xml', schema: 'a.xsd' }, dir: '/nowhere', source: 'imported', files: map, sha256: profileDigest(map) };
}

describe('the diff between two profile versions', () => {
  const from = profile('1.0.0', {
    'profile.json': '{"version":"1.0.0"}',
    'a.xsd': '<xs:schema/>',
    'b.xsd': '<xs:schema/>',
    'rules/r.sch': sch('<sch:assert id="R-1" test="a">A must be there.</sch:assert><sch:assert id="R-2" test="b">B.</sch:assert><sch:report id="R-3" test="c">C.</sch:report>'),
    'codelists/l.json': list([['1', 'En'], ['2', 'To']]),
    'testcases/t1.json': '{}',
  });
  const to = profile('1.1.0', {
    'profile.json': '{"version":"1.1.0"}',
    'a.xsd': '<xs:schema><!-- endret --></xs:schema>',
    'c.xsd': '<xs:schema/>',
    'rules/r.sch': sch('<sch:assert id="R-1" test="a and d">A must be there.</sch:assert><sch:report id="R-3" test="c">C, now explained.</sch:report><sch:assert id="R-4" test="e">E.</sch:assert>'),
    'codelists/l.json': list([['1', 'Én'], ['3', 'Tre']]),
    'testcases/t1.json': '{"changed":true}',
    'testcases/t2.json': '{}',
  });

  it('names schema files, rules, code list entries and test cases added, removed and changed', () => {
    const d = diffProfiles(from, to);
    expect(d.from).toEqual({ version: '1.0.0', sha256: from.sha256 });
    expect(d.schemaFiles).toEqual({ added: ['c.xsd'], removed: ['b.xsd'], changed: ['a.xsd'] });
    expect(d.otherFiles).toEqual({ added: [], removed: [], changed: ['profile.json'] });
    expect(d.rules).toEqual({ added: ['R-4'], removed: ['R-2'], changed: [{ id: 'R-1', what: ['test'] }, { id: 'R-3', what: ['message'] }] });
    expect(d.codelists).toEqual([{ oid: '2.999.1', added: ['3'], removed: ['2'], changed: ['1'] }]);
    expect(d.testcases).toEqual({ added: ['testcases/t2.json'], removed: [], changed: ['testcases/t1.json'] });
  });

  it('is empty between a version and itself', () => {
    const d = diffProfiles(from, from);
    expect([d.schemaFiles, d.otherFiles, d.testcases].every((c) => !c.added.length && !c.removed.length && !c.changed.length)).toBe(true);
    expect(d.rules).toEqual({ added: [], removed: [], changed: [] });
    expect(d.codelists).toEqual([]);
  });
});
