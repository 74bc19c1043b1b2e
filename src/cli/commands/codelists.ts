import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SamsvarError } from '../../core/samsvar-error.js';
import { codelistFileName, MAX_CSV_BYTES, parseCodelistCsv } from '../../xml/codelist-csv.js';
import type { CliIo } from '../cli-io.js';

export const summary = 'turn a CSV export of code lists into code list files: samsvar codelists import FILE.csv';

const HELP = `usage: samsvar codelists import FILE.csv [--out DIR] [--name OID=NAME]... [--force]

Reads a CSV export of code lists (kodeverk), one line per code, with a header line naming the
columns OID, code, display and optionally validFrom, validTo (YYYY-MM-DD or DD.MM.YYYY) and name
(Norwegian headers kodeverk, kode, tekst, gyldig fra, gyldig til are understood too). Comma or
semicolon separated, UTF-8. Writes one code list file per OID to DIR (default ./codelists), named
by the OID's last arc (8116.json), for a profile's "codelists". Every problem of the file is listed
by line and nothing is written while there is one.

exit codes: 0 written, 2 usage error, unreadable or invalid file, a file exists (without --force)`;

export async function run(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '--help' || sub === '-h' || rest.includes('--help') || rest.includes('-h')) {
    io.out(HELP);
    return sub ? 0 : 2;
  }
  if (sub !== 'import') throw new SamsvarError('bad_request', `unknown subcommand '${sub}'\n${HELP}`);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { out: { type: 'string' }, name: { type: 'string', multiple: true }, force: { type: 'boolean' } },
  });
  if (positionals.length !== 1) throw new SamsvarError('bad_request', `give one CSV file\n${HELP}`);
  const names: Record<string, string> = {};
  for (const n of values.name ?? []) {
    const eq = n.indexOf('=');
    if (eq < 1) throw new SamsvarError('bad_request', `--name must be OID=NAME, not "${n}"`);
    names[n.slice(0, eq)] = n.slice(eq + 1);
  }
  const file = path.resolve(io.cwd, positionals[0]!);
  let bytes: Buffer;
  try {
    if (statSync(file).size > MAX_CSV_BYTES)
      throw new SamsvarError('bad_request', `${positionals[0]} is larger than the ${MAX_CSV_BYTES} bytes a code list export may have`);
    bytes = readFileSync(file);
  } catch (e) {
    if (e instanceof SamsvarError) throw e;
    throw new SamsvarError('bad_request', `cannot read ${positionals[0]}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let lists;
  try {
    lists = parseCodelistCsv(bytes, names);
  } catch (e) {
    if (e instanceof SamsvarError && Array.isArray(e.extra?.problems)) {
      // One problem a line: the administrator works through them in the export.
      throw new SamsvarError(e.code, `${positionals[0]} cannot be imported:\n  ${(e.extra.problems as string[]).join('\n  ')}`);
    }
    throw e;
  }
  const out = path.resolve(io.cwd, values.out ?? 'codelists');
  const targets = lists.map((l) => ({ list: l, target: path.join(out, codelistFileName(l)) }));
  const clash = targets.map((t) => t.target).filter((t, i, all) => all.indexOf(t) !== i);
  if (clash.length)
    throw new SamsvarError(
      'bad_request',
      `two OIDs end in the same arc and would both be written to ${clash[0]}; import them from separate files into separate directories`,
    );
  const existing = targets.filter((t) => existsSync(t.target));
  if (existing.length && !values.force)
    throw new SamsvarError('conflict', `${existing.map((t) => t.target).join(', ')} exist already; give --force to replace`);
  mkdirSync(out, { recursive: true });
  for (const { list, target } of targets) {
    writeFileSync(target, JSON.stringify(list, null, 2) + '\n');
    io.out(`${target}\t${list.oid}\t${list.codes.length} codes\t${list.name}`);
  }
  return 0;
}
