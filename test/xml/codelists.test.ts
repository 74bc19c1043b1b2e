import { XmlDocument } from 'libxml2-wasm';
import { describe, expect, it } from 'vitest';
import { checkCodedValues, loadCodeLists, messageDate } from '../../src/xml/codelists.js';
import type { LoadedProfile } from '../../src/profiles/manifest.js';

const OID = '2.999.7.1';
const LIST = {
  oid: OID,
  name: 'Status',
  codes: [
    { code: 'A', display: 'Alltid' },
    { code: 'U', display: 'Utgått', validTo: '2020-12-31' },
    { code: 'N', display: 'Ny', validFrom: '2030-01-01' },
    { code: 'P', display: 'Periode', validFrom: '2021-01-01', validTo: '2021-12-31' },
  ],
};

function lists(list: unknown = LIST) {
  const profile = {
    manifest: { id: 'p', version: '1', kind: 'xml', codelists: ['codelists/s.json'] },
    files: new Map([['codelists/s.json', new TextEncoder().encode(JSON.stringify(list))]]),
  } as unknown as LoadedProfile;
  return loadCodeLists([profile]);
}

function check(code: string, genDate?: string) {
  const doc = XmlDocument.fromString(`<M>${genDate ? `<GenDate>${genDate}</GenDate>` : ''}<S V="${code}" S="${OID}"/></M>`);
  try {
    return checkCodedValues(doc, lists()).map((h) => h.finding);
  } finally {
    doc.dispose();
  }
}

describe('code list validity (validFrom/validTo)', () => {
  it("accepts a code within its dates on the message's date (GenDate), inclusive at both ends", () => {
    expect(check('P', '2021-01-01T08:00:00')).toEqual([]);
    expect(check('P', '2021-12-31')).toEqual([]);
    expect(check('U', '2020-12-31T23:59:00')).toEqual([]);
    expect(check('A', '1999-01-01')).toEqual([]);
  });

  it('gives CODELIST-VALUE for a code that has expired or is not yet valid, naming its dates', () => {
    const [expired] = check('P', '2022-01-01');
    expect(expired).toMatchObject({ ruleId: 'CODELIST-VALUE', severity: 'error' });
    expect(expired!.message).toBe(
      `S: V="P" in ${OID} (Status) is expired on the message's date 2022-01-01: it is valid from 2021-01-01 to 2021-12-31`,
    );
    expect(expired!.messageNb).toMatch(/er utgått på meldingens dato 2022-01-01/);
    const [early] = check('N', '2029-12-31');
    expect(early!.message).toMatch(/is not yet valid on the message's date 2029-12-31: it is valid from 2030-01-01$/);
    expect(early!.messageNb).toMatch(/er ikke gyldig ennå/);
  });

  it('uses today for a document without GenDate', () => {
    const doc = XmlDocument.fromString('<M/>');
    expect(messageDate(doc, new Date('2024-05-06T10:00:00Z'))).toBe('2024-05-06');
    doc.dispose();
    expect(check('U').map((f) => f.ruleId)).toEqual(['CODELIST-VALUE']);
    expect(check('N').map((f) => f.ruleId)).toEqual(['CODELIST-VALUE']);
    expect(check('A')).toEqual([]);
  });

  it('refuses a code list whose dates are not YYYY-MM-DD', () => {
    expect(() => lists({ ...LIST, codes: [{ code: 'X', display: 'x', validTo: '31.12.2020' }] })).toThrow(
      /validTo of code X must be a date YYYY-MM-DD/,
    );
  });
});
