import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { packageLayout, unpackPackage } from '../../runs/package-archive.js';
import { parseArgs } from 'node:util';
import { importedProfilesDir, SHIPPED_TESTCASES_DIR } from '../../core/paths.js';
import { SamsvarError } from '../../core/samsvar-error.js';
import { loadCatalog } from '../../profiles/catalog.js';
import { importXmlProfile } from '../../xml/import-profile.js';
import { catalogueByStandard, type DirectionCounts, type StandardGroup } from '../../profiles/standards.js';
import { loadTestcases } from '../../testcases/index.js';
import { importFhirPackage, isFhirPackage } from '../../fhir/package-import.js';
import type { CliIo } from '../cli-io.js';

export const summary = 'list installed profiles or import one: samsvar profiles list | import DIR|PACKAGE.tgz';

const HELP = `usage:
  samsvar profiles list [--format text|json]       (grouped by standard and version)
  samsvar profiles import DIR [--replace] [--id ID --schema ENTRY.xsd [--version V] [--title T] [--catalog catalog.xml] [--uses ID,...]]
  samsvar profiles import PACKAGE.tgz|PACKAGE_DIR       (FHIR packages in the npm layout)
  samsvar profiles import PACKAGE.zip|PACKAGE.tgz|DIR --server URL --token TOKEN
                                 (to a running service, administrators: POST /api/v1/admin/profiles;
                                  SAMSVAR_SERVER and SAMSVAR_TOKEN work too; a DIR is zipped first)

Imported profiles are stored in $SAMSVAR_DATA/profiles (default ./data/profiles). An XML profile
directory carries profile.json, or the options describe it (e.g. an official XSD set as downloaded).
Schema references by URL are resolved only through the profile's OASIS catalog; nothing is fetched.`;

function counts(c: DirectionCounts): string {
  return `test cases ${c.send} send, ${c.receive} receive`;
}

/** Standard, then each version with its message types, test cases and code-list state, then its profiles. */
export function renderCatalogue(standards: readonly StandardGroup[]): string {
  const lines: string[] = [];
  for (const s of standards) {
    lines.push(`${s.name} (${s.id})${s.declared ? '' : ', a profile that names no standard'}`);
    lines.push(`  versions ${s.versions.map((v) => v.version).join(', ')}; ${counts(s.testcasesByDirection)}; code lists ${s.codelistsComplete ? 'complete' : 'incomplete'}`);
    for (const v of s.versions) {
      lines.push(`  ${v.version}: ${v.messageTypes.length ? v.messageTypes.join(', ') : '(no message types named)'}`);
      lines.push(`    ${counts(v.testcasesByDirection)}; code lists ${v.codelistsComplete ? 'complete' : 'incomplete, not shipped:'}`);
      for (const c of v.codelistsNotShipped) lines.push(`      ${c.oid.padEnd(28)}${c.name}`);
      for (const p of v.profiles) {
        lines.push(`    ${p.id.padEnd(44)}${p.version.padEnd(10)}${p.kind.padEnd(6)}${p.source.padEnd(10)}${p.status.padEnd(8)}${p.title}`);
      }
    }
  }
  return lines.join('\n');
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '--help' || sub === '-h') {
    io.out(HELP);
    return sub ? 0 : 2;
  }
  const importedDir = importedProfilesDir(io.env);
  if (sub === 'list') {
    const { values } = parseArgs({ args: rest, options: { format: { type: 'string', default: 'text' } } });
    if (values.format !== 'text' && values.format !== 'json') throw new SamsvarError('bad_request', `--format must be text or json, not "${values.format}"`);
    const catalog = loadCatalog({ importedDir });
    const standards = catalogueByStandard(catalog.list(), loadTestcases(SHIPPED_TESTCASES_DIR, catalog), (p) => p.manifest.status ?? 'active');
    io.out(values.format === 'json' ? JSON.stringify({ standards }, null, 2) : renderCatalogue(standards));
    return 0;
  }
  if (sub === 'import') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        replace: { type: 'boolean' },
        id: { type: 'string' },
        schema: { type: 'string' },
        version: { type: 'string' },
        title: { type: 'string' },
        catalog: { type: 'string' },
        uses: { type: 'string' },
        server: { type: 'string' },
        token: { type: 'string' },
      },
    });
    if (positionals.length !== 1) throw new SamsvarError('bad_request', 'give exactly one directory or package to import\n' + HELP);
    const source = path.resolve(io.cwd, positionals[0]);
    const server = values.server ?? io.env.SAMSVAR_SERVER;
    if (server) return importToServer(source, server, values.token ?? io.env.SAMSVAR_TOKEN, io);
    if (/\.zip$/i.test(source)) {
      // A zipped profile directory: unpacked with the same checks as the service's, then imported as a directory.
      const scratch = mkdtempSync(path.join(tmpdir(), 'samsvar-import-'));
      try {
        await unpackPackage(readFileSync(source), path.join(scratch, 'unpacked'), scratch);
        const layout = packageLayout(path.join(scratch, 'unpacked'));
        const loaded = importXmlProfile(layout.dir, importedDir, loadCatalog({ importedDir }), { replace: values.replace });
        io.out(`imported ${loaded.manifest.id} ${loaded.manifest.version} (${loaded.files.size} files, sha256 ${loaded.sha256}) into ${loaded.dir}`);
        return 0;
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    }
    const catalog = loadCatalog({ importedDir });
    if (isFhirPackage(source)) {
      const imported = await importFhirPackage(source, importedDir, { takenIds: catalog.list().map((p) => p.manifest.id) });
      io.out(`imported FHIR package ${imported.package}: ${imported.profiles.length} profile(s): ${imported.profiles.map((p) => `${p.id} (${p.url})`).join(', ')}`);
      return 0;
    }
    const manifest = {
      ...(values.id ? { id: values.id } : {}),
      ...(values.schema ? { schema: values.schema } : {}),
      ...(values.version ? { version: values.version } : {}),
      ...(values.title ? { title: values.title } : {}),
      ...(values.catalog ? { catalog: values.catalog } : {}),
      ...(values.uses ? { uses: values.uses.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
    };
    const loaded = importXmlProfile(source, importedDir, catalog, { manifest, replace: values.replace });
    io.out(`imported ${loaded.manifest.id} ${loaded.manifest.version} (${loaded.files.size} files, sha256 ${loaded.sha256}) into ${loaded.dir}`);
    return 0;
  }
  throw new SamsvarError('bad_request', `unknown subcommand "${sub}"\n${HELP}`);
}

function zipDirectory(dir: string): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) files[r] = readFileSync(path.join(dir, r));
    }
  };
  walk('');
  return zipSync(files);
}

/** Sends the package to a running service; prints what was imported, or the problems that refused it. */
async function importToServer(source: string, server: string, token: string | undefined, io: CliIo): Promise<number> {
  if (!token) throw new SamsvarError('bad_request', 'give --token (an administrator token) or set SAMSVAR_TOKEN');
  const bytes = statSync(source).isDirectory() ? zipDirectory(source) : readFileSync(source);
  const url = `${server.replace(/\/+$/, '')}/api/v1/admin/profiles`;
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': /\.(tgz|tar\.gz)$/i.test(source) ? 'application/gzip' : 'application/zip' }, body: new Uint8Array(bytes) });
  } catch (e) {
    io.err(`cannot reach ${url}: ${(e as Error).message}`);
    return 2;
  }
  const text = await res.text();
  let answer: { detail?: string; problems?: { file?: string; message: string }[]; profiles?: { id: string; version: string; status: string; created: boolean; sha256: string; testcases: number }[] } = {};
  try {
    answer = JSON.parse(text);
  } catch {
    answer = { detail: text.slice(0, 500) };
  }
  if (!res.ok) {
    io.err(`HTTP ${res.status}: ${answer.problems ? 'the package was refused; nothing was imported' : answer.detail}`);
    for (const p of answer.problems ?? []) io.err(`  ${p.file ? `${p.file}: ` : ''}${p.message}`);
    return 2;
  }
  for (const p of answer.profiles ?? []) {
    io.out(`${p.created ? 'imported' : 'already imported (same content)'} ${p.id} ${p.version}: ${p.status}, ${p.testcases} test case(s), sha256 ${p.sha256}`);
  }
  return 0;
}
