import { describe, expect, it } from 'vitest';
import { SamsvarError } from '../../src/core/samsvar-error.js';
import type { LoadedProfile } from '../../src/profiles/manifest.js';
import { codelistFileName, parseCodelistCsv } from '../../src/xml/codelist-csv.js';
import { loadCodeLists } from '../../src/xml/codelists.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

function problemsOf(csv: string | Uint8Array): string[] {
  try {
    parseCodelistCsv(typeof csv === 'string' ? utf8(csv) : csv);
  } catch (e) {
    expect(e).toBeInstanceOf(SamsvarError);
    expect((e as SamsvarError).code).toBe('unprocessable');
    return (e as SamsvarError).extra!.problems as string[];
  }
  throw new Error('the CSV was accepted');
}

describe('code lists from CSV', () => {
  it('turns an export into one code list per OID, with dates, quoted fields and the list name', () => {
    const csv = [
      'OID,code,display,validFrom,validTo,name',
      '2.16.578.1.12.4.1.1.8116,FNR,Fødselsnummer,2000-01-01,,ID-type for personer',
      '2.16.578.1.12.4.1.1.8116,DNR,"D-nummer, for personer uten fødselsnummer",01.01.2000,31.12.2099,ID-type for personer',
      'urn:oid:2.16.578.1.12.4.1.1.9069,1,"Henvisning ""ny""",,,',
    ].join('\r\n');
    const lists = parseCodelistCsv(utf8(`\uFEFF${csv}\r\n`));
    expect(lists).toEqual([
      {
        oid: '2.16.578.1.12.4.1.1.8116',
        name: 'ID-type for personer',
        codes: [
          { code: 'FNR', display: 'Fødselsnummer', validFrom: '2000-01-01' },
          { code: 'DNR', display: 'D-nummer, for personer uten fødselsnummer', validFrom: '2000-01-01', validTo: '2099-12-31' },
        ],
      },
      { oid: '2.16.578.1.12.4.1.1.9069', name: '2.16.578.1.12.4.1.1.9069', codes: [{ code: '1', display: 'Henvisning "ny"' }] },
    ]);
    expect(codelistFileName(lists[0]!)).toBe('8116.json');
  });

  it('reads semicolon-separated exports with Norwegian headers', () => {
    const lists = parseCodelistCsv(
      utf8('Kodeverk;Kode;Tekst;Gyldig fra;Gyldig til\n2.16.578.1.12.4.1.1.8258;1;OK;;\n2.16.578.1.12.4.1.1.8258;2;Avvist;;\n'),
      { '2.16.578.1.12.4.1.1.8258': 'Status for applikasjonskvittering' },
    );
    expect(lists).toEqual([
      {
        oid: '2.16.578.1.12.4.1.1.8258',
        name: 'Status for applikasjonskvittering',
        codes: [
          { code: '1', display: 'OK' },
          { code: '2', display: 'Avvist' },
        ],
      },
    ]);
  });

  it('produces files the engine loads as code lists', () => {
    const [list] = parseCodelistCsv(utf8('oid,code,display\n2.16.578.1.12.4.1.1.8116,FNR,Fødselsnummer\n'));
    const profile = {
      manifest: { id: 'p', kind: 'xml', codelists: ['codelists/8116.json'] },
      files: new Map([['codelists/8116.json', utf8(JSON.stringify(list))]]),
    } as unknown as LoadedProfile;
    expect(loadCodeLists([profile]).get('2.16.578.1.12.4.1.1.8116')?.codes.get('FNR')).toBe('Fødselsnummer');
  });

  it('refuses a file that is not UTF-8, naming the line and the likely encoding', () => {
    const latin1 = Buffer.concat([
      Buffer.from('oid,code,display\n2.16.578.1.12.4.1.1.8116,FNR,F'),
      Buffer.from([0xf8]),
      Buffer.from('dselsnummer\n'),
    ]);
    expect(problemsOf(latin1)).toEqual(['line 2: not UTF-8']);
    expect(() => parseCodelistCsv(latin1)).toThrow(/not UTF-8 \(line 2.*Windows-1252 or ISO-8859-1/);
    expect(problemsOf(Buffer.from('oid,code,display\n', 'utf16le'))[0]).toMatch(/NUL/);
  });

  it('refuses a missing or unknown column in the header', () => {
    expect(problemsOf('oid,display\n2.16.578.1,x\n')).toEqual([expect.stringMatching(/line 1: the header has no code column/)]);
    expect(problemsOf('oid,code,display,colour\n')).toEqual([expect.stringMatching(/line 1: unknown column "colour"/)]);
    expect(problemsOf('')).toEqual(['empty file']);
    expect(problemsOf('oid,code,display\n')).toEqual(['no codes']);
  });

  it('lists every bad row at once: duplicates, dates, OIDs, empty fields, field counts', () => {
    const problems = problemsOf(
      [
        'oid,code,display,validFrom,validTo',
        '2.16.578.1.12.4.1.1.8116,FNR,Fødselsnummer,,',
        '2.16.578.1.12.4.1.1.8116,FNR,Fødselsnummer igjen,,',
        '2.16.578.1.12.4.1.1.8116,DNR,D-nummer,2024-02-30,',
        '2.16.578.1.12.4.1.1.8116,HNR,H-nummer,2025-01-01,2024-01-01',
        'åtte,X,Y,,',
        '2.16.578.1.12.4.1.1.8116,,Uten kode,,',
        '2.16.578.1.12.4.1.1.8116,Z',
      ].join('\n'),
    );
    expect(problems).toEqual([
      'line 3: code "FNR" of 2.16.578.1.12.4.1.1.8116 appears already on line 2',
      'line 4: validFrom "2024-02-30" is not a date (YYYY-MM-DD or DD.MM.YYYY)',
      'line 5: validFrom 2025-01-01 is after validTo 2024-01-01',
      'line 6: OID "åtte" is not an OID (digits separated by dots, e.g. 2.16.578.1.12.4.1.1.8116)',
      'line 7: the code is empty',
      'line 8: 2 fields, the header has 5',
    ]);
  });

  it('counts lines inside quoted fields and refuses an unclosed quote', () => {
    expect(problemsOf('oid,code,display\n2.16.578.1,A,"two\nlines"\n2.16.578.1,A,dup\n')).toEqual([
      'line 4: code "A" of 2.16.578.1 appears already on line 2',
    ]);
    expect(problemsOf('oid,code,display\n2.16.578.1,A,"open\n')).toEqual(['line 2: a quoted field is never closed']);
  });
});
