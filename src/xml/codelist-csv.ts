/**
 * Code lists (kodeverk) from CSV, as administrators export them from the national code list
 * service: one row per code with the list's OID, the code, its display text and the dates it is
 * valid from and to. The result is the project's code list format, one list per OID:
 * `{ oid, name, codes: [ { code, display, validFrom?, validTo? } ] }`.
 *
 * Everything wrong with the file is reported at once, by line, so an administrator fixes the
 * export in one go; nothing is produced from a file with a problem.
 */
import { SamsvarError } from '../core/samsvar-error.js';

export interface CsvCode {
  code: string;
  display: string;
  validFrom?: string;
  validTo?: string;
}

export interface CsvCodeList {
  oid: string;
  name: string;
  codes: CsvCode[];
}

/** A CSV export is a few thousand rows; far more is not a code list. */
export const MAX_CSV_BYTES = 10 * 1024 * 1024;
const MAX_PROBLEMS = 50;

const OID = /^[0-2](\.(0|[1-9]\d*))+$/;

/** Column names as exports spell them (English and Norwegian), lower-cased without spaces, '_' or '-'. */
const COLUMNS: Record<string, keyof Row> = {
  oid: 'oid',
  kodeverk: 'oid',
  kodeverkoid: 'oid',
  codesystem: 'oid',
  code: 'code',
  kode: 'code',
  kodeverdi: 'code',
  display: 'display',
  text: 'display',
  tekst: 'display',
  navn: 'display',
  beskrivelse: 'display',
  validfrom: 'validFrom',
  gyldigfra: 'validFrom',
  validto: 'validTo',
  gyldigtil: 'validTo',
  name: 'name',
  kodeverknavn: 'name',
};

interface Row {
  oid: string;
  code: string;
  display: string;
  validFrom: string;
  validTo: string;
  name: string;
}

/** RFC 4180 records: quoted fields may hold the delimiter, doubled quotes and line breaks. */
function records(text: string, delimiter: string, problems: string[]): { line: number; fields: string[] }[] {
  const out: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let fieldStarted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
    } else if (ch === delimiter) {
      fields.push(field);
      field = '';
      fieldStarted = false;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      fields.push(field);
      if (fields.length > 1 || fields[0] !== '') out.push({ line: start, fields });
      fields = [];
      field = '';
      fieldStarted = false;
      line++;
      start = line;
    } else {
      if (ch === '"') problems.push(`line ${line}: a quote inside an unquoted field; quote the whole field and double the quote ("")`);
      field += ch;
      fieldStarted = true;
    }
  }
  if (quoted) problems.push(`line ${start}: a quoted field is never closed`);
  fields.push(field);
  if (fields.length > 1 || fields[0] !== '') out.push({ line: start, fields });
  return out;
}

/** ISO dates (2024-01-31) as they are; Norwegian ones (31.01.2024) turned into ISO; anything else refused. */
function isoDate(value: string): string | undefined {
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const nb = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(value);
  const [y, m, d] = iso ? [iso[1], iso[2], iso[3]] : nb ? [nb[3], nb[2], nb[1]] : [];
  if (!y) return undefined;
  const date = new Date(`${y}-${m}-${d}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== `${y}-${m}-${d}`) return undefined;
  return `${y}-${m}-${d}`;
}

/**
 * Reads a CSV export into code lists, one per OID in the order they first appear. Required columns:
 * OID, code and display text; optional: valid from, valid to (YYYY-MM-DD or DD.MM.YYYY) and the code
 * list's name. Comma or semicolon separated (taken from the header line), UTF-8 with or without BOM.
 * `names` gives names for OIDs the file does not name.
 */
export function parseCodelistCsv(bytes: Uint8Array, names: Record<string, string> = {}): CsvCodeList[] {
  if (bytes.byteLength > MAX_CSV_BYTES)
    throw new SamsvarError(
      'payload_too_large',
      `the CSV file has ${bytes.byteLength} bytes, more than the ${MAX_CSV_BYTES} a code list export may have`,
    );
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const firstBad = firstInvalidUtf8(bytes);
    const line = new TextDecoder('utf-8').decode(bytes.subarray(0, firstBad)).split('\n').length;
    throw new SamsvarError(
      'unprocessable',
      `the CSV file is not UTF-8 (line ${line}, byte ${firstBad}: 0x${bytes[firstBad]!.toString(16).padStart(2, '0')}); it is probably Windows-1252 or ISO-8859-1 — save or export it as UTF-8`,
      { problems: [`line ${line}: not UTF-8`] },
    );
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.includes('\u0000'))
    throw new SamsvarError('unprocessable', 'the CSV file holds NUL characters; it is probably UTF-16 — save or export it as UTF-8', {
      problems: ['NUL characters: not UTF-8'],
    });
  const headerLine = text.split(/\r?\n/, 1)[0] ?? '';
  const delimiter = (headerLine.match(/;/g)?.length ?? 0) > (headerLine.match(/,/g)?.length ?? 0) ? ';' : ',';
  const problems: string[] = [];
  const rows = records(text, delimiter, problems);
  if (rows.length === 0)
    throw new SamsvarError(
      'unprocessable',
      'the CSV file is empty; it needs a header line (OID, code, display, valid from, valid to) and one line per code',
      { problems: ['empty file'] },
    );

  const header = rows[0]!.fields.map((h) =>
    h
      .trim()
      .toLowerCase()
      .replace(/[\s_-]/g, ''),
  );
  const index = new Map<keyof Row, number>();
  header.forEach((h, i) => {
    const col = COLUMNS[h];
    if (!col)
      problems.push(
        `line 1: unknown column "${rows[0]!.fields[i]}"; the columns are OID, code, display, validFrom, validTo and (optional) name`,
      );
    else if (index.has(col)) problems.push(`line 1: column ${col} appears twice`);
    else index.set(col, i);
  });
  for (const col of ['oid', 'code', 'display'] as const)
    if (!index.has(col)) problems.push(`line 1: the header has no ${col} column (found: ${rows[0]!.fields.join(delimiter)})`);
  if (problems.length) throw failure(problems);

  const lists = new Map<string, CsvCodeList>();
  const seen = new Map<string, number>();
  const listNames = new Map<string, { name: string; line: number }>();
  for (const { line, fields } of rows.slice(1)) {
    if (fields.length !== header.length) {
      problems.push(`line ${line}: ${fields.length} fields, the header has ${header.length}`);
      continue;
    }
    const get = (col: keyof Row) => (index.has(col) ? fields[index.get(col)!]!.trim() : '');
    const oid = get('oid').replace(/^urn:oid:/, '');
    const code = get('code');
    const display = get('display');
    const rowProblems: string[] = [];
    if (!OID.test(oid)) rowProblems.push(`OID "${oid}" is not an OID (digits separated by dots, e.g. 2.16.578.1.12.4.1.1.8116)`);
    if (!code) rowProblems.push('the code is empty');
    if (!display) rowProblems.push('the display text is empty');
    const dates: Partial<Pick<CsvCode, 'validFrom' | 'validTo'>> = {};
    for (const col of ['validFrom', 'validTo'] as const) {
      const raw = get(col);
      if (!raw) continue;
      const iso = isoDate(raw);
      if (iso) dates[col] = iso;
      else rowProblems.push(`${col} "${raw}" is not a date (YYYY-MM-DD or DD.MM.YYYY)`);
    }
    if (dates.validFrom && dates.validTo && dates.validFrom > dates.validTo)
      rowProblems.push(`validFrom ${dates.validFrom} is after validTo ${dates.validTo}`);
    const key = `${oid}\u0000${code}`;
    if (code && seen.has(key)) rowProblems.push(`code "${code}" of ${oid} appears already on line ${seen.get(key)}`);
    else if (code) seen.set(key, line); // also for a row with other problems: its duplicates are problems too
    const name = get('name');
    const named = listNames.get(oid);
    if (name && named && named.name !== name)
      rowProblems.push(`name "${name}" differs from "${named.name}" given to ${oid} on line ${named.line}`);
    if (rowProblems.length) {
      problems.push(...rowProblems.map((p) => `line ${line}: ${p}`));
      continue;
    }
    if (name && !named) listNames.set(oid, { name, line });
    let list = lists.get(oid);
    if (!list) lists.set(oid, (list = { oid, name: '', codes: [] }));
    list.codes.push({ code, display, ...dates });
  }
  if (problems.length) throw failure(problems);
  if (lists.size === 0) throw new SamsvarError('unprocessable', 'the CSV file has a header but no codes', { problems: ['no codes'] });
  for (const list of lists.values()) list.name = listNames.get(list.oid)?.name ?? names[list.oid] ?? list.oid;
  return [...lists.values()];
}

function failure(problems: string[]): SamsvarError {
  const shown = problems.slice(0, MAX_PROBLEMS);
  const more = problems.length > shown.length ? ` (and ${problems.length - shown.length} more)` : '';
  return new SamsvarError('unprocessable', `the CSV file cannot be imported: ${shown.join('; ')}${more}`, { problems: shown });
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (len === 0 || i + len > bytes.length) return i;
    for (let k = 1; k < len; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += len;
  }
  return 0;
}

/** The file name a code list is kept under in a profile: the OID's last arc, as the shipped lists are (9069.json). */
export function codelistFileName(list: CsvCodeList): string {
  return `${list.oid.split('.').at(-1)}.json`;
}
