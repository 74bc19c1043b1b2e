import {
  cpSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { packageLayout, unpackPackage } from '../../runs/package-archive.js';
import { parseArgs } from 'node:util';
import { importedProfilesDir, SHIPPED_TESTCASES_DIR } from '../../core/paths.js';
import { SamsvarError } from '../../core/samsvar-error.js';
import { loadCatalog, type ProfileCatalog } from '../../profiles/catalog.js';
import { checkProfilePackage } from '../../runs/package-check.js';
import { importXmlProfile } from '../../xml/import-profile.js';
import { catalogueByStandard, type DirectionCounts, type StandardGroup } from '../../profiles/standards.js';
import { loadTestcases } from '../../testcases/index.js';
import { importFhirPackage, isFhirPackage } from '../../fhir/package-import.js';
import type { CliIo } from '../cli-io.js';

export const summary = 'list installed profiles or import one: samsvar profiles list | import DIR|PACKAGE.tgz';

const HELP = `usage:
  samsvar profiles list [--format text|json]       (grouped by standard and version)
  samsvar profiles import DIR [--replace] [--id ID --schema ENTRY.xsd [--version V] [--title T] [--catalog catalog.xml] [--uses ID,...]]
                                 (checked as the service checks a package; a version never changes content)
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
    lines.push(
      `  versions ${s.versions.map((v) => v.version).join(', ')}; ${counts(s.testcasesByDirection)}; code lists ${s.codelistsComplete ? 'complete' : 'incomplete'}`,
    );
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
    if (values.format !== 'text' && values.format !== 'json')
      throw new SamsvarError('bad_request', `--format must be text or json, not "${values.format}"`);
    const catalog = loadCatalog({ importedDir });
    const standards = catalogueByStandard(
      catalog.list(),
      loadTestcases(SHIPPED_TESTCASES_DIR, catalog),
      (p) => p.manifest.status ?? 'active',
    );
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
        if (layout.kind === 'profile' && layout.testcasesDir && !existsSync(path.join(layout.dir, 'testcases')))
          cpSync(layout.testcasesDir, path.join(layout.dir, 'testcases'), { recursive: true });
        const catalog = loadCatalog({ importedDir });
        await checkLocalImport(layout.dir, importedDir, catalog);
        const loaded = importXmlProfile(layout.dir, importedDir, catalog, { replace: values.replace });
        io.out(
          `imported ${loaded.manifest.id} ${loaded.manifest.version} (${loaded.files.size} files, sha256 ${loaded.sha256}) into ${loaded.dir}`,
        );
        return 0;
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    }
    const catalog = loadCatalog({ importedDir });
    if (isFhirPackage(source)) {
      const imported = await importFhirPackage(source, importedDir, { takenIds: catalog.list().map((p) => p.manifest.id) });
      io.out(
        `imported FHIR package ${imported.package}: ${imported.profiles.length} profile(s): ${imported.profiles.map((p) => `${p.id} (${p.url})`).join(', ')}`,
      );
      return 0;
    }
    const manifest = {
      ...(values.id ? { id: values.id } : {}),
      ...(values.schema ? { schema: values.schema } : {}),
      ...(values.version ? { version: values.version } : {}),
      ...(values.title ? { title: values.title } : {}),
      ...(values.catalog ? { catalog: values.catalog } : {}),
      ...(values.uses
        ? {
            uses: values.uses
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean),
          }
        : {}),
    };
    // Staged with the manifest the options describe, so the checks see exactly what will be imported.
    const scratch = mkdtempSync(path.join(tmpdir(), 'samsvar-import-'));
    try {
      const staged = path.join(scratch, 'profile');
      if (!existsSync(source) || !statSync(source).isDirectory()) throw new SamsvarError('bad_request', `${source} is not a directory`);
      cpSync(realpathSync(source), staged, { recursive: true, dereference: false, filter: (src) => !lstatSync(src).isSymbolicLink() });
      if (!existsSync(path.join(staged, 'profile.json')) && manifest.id && manifest.schema)
        writeFileSync(
          path.join(staged, 'profile.json'),
          JSON.stringify({ kind: 'xml', version: '1.0.0', title: manifest.id, ...manifest }, null, 2),
        );
      if (existsSync(path.join(staged, 'profile.json'))) await checkLocalImport(staged, importedDir, catalog);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    const loaded = importXmlProfile(source, importedDir, catalog, { manifest, replace: values.replace });
    io.out(
      `imported ${loaded.manifest.id} ${loaded.manifest.version} (${loaded.files.size} files, sha256 ${loaded.sha256}) into ${loaded.dir}`,
    );
    return 0;
  }
  throw new SamsvarError('bad_request', `unknown subcommand "${sub}"\n${HELP}`);
}

/**
 * The checks and version rule of the service's import (POST /admin/profiles), for a local import:
 * the whole package is checked (schemas, rules, code lists, test cases, examples); the version
 * installed may not come back with other content, `--replace` or not; and a profile the service
 * manages (imported over HTTP) is left to the service.
 */
async function checkLocalImport(dir: string, importedDir: string, catalog: ProfileCatalog): Promise<void> {
  const checked = await checkProfilePackage(dir, catalog);
  if ('problems' in checked) {
    const list = checked.problems.map((p) => `  ${p.file ? `${p.file}: ` : ''}${p.message}`).join('\n');
    throw new SamsvarError(
      'unprocessable',
      `the profile was refused; nothing was imported. ${checked.problems.length} problem(s):\n${list}`,
      { problems: checked.problems },
    );
  }
  const { id, version } = checked.ok.profile.manifest;
  const sha = checked.ok.profile.sha256;
  if (existsSync(path.join(importedDir, '.versions', id))) {
    // Its versions and their lifecycle live in the service's database, and the service applies imports one at a time: a second writer would bypass both.
    throw new SamsvarError(
      'conflict',
      `profile ${id} is managed by the service (imported over HTTP, its versions are under ${path.join(importedDir, '.versions', id)}); import new versions of it with --server URL --token ADMIN_TOKEN`,
    );
  }
  const served = catalog.get(id);
  if (served?.manifest.version === version && served.sha256 !== sha) {
    throw new SamsvarError(
      'conflict',
      `profile ${id} version ${version} already exists with other content (sha256 ${served.sha256}); versions are immutable: give the changed profile a new version`,
    );
  }
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
    res = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': /\.(tgz|tar\.gz)$/i.test(source) ? 'application/gzip' : 'application/zip',
      },
      body: new Uint8Array(bytes),
    });
  } catch (e) {
    io.err(`cannot reach ${url}: ${(e as Error).message}`);
    return 2;
  }
  const text = await res.text();
  let answer: {
    detail?: string;
    problems?: { file?: string; message: string }[];
    profiles?: { id: string; version: string; status: string; created: boolean; sha256: string; testcases: number }[];
  } = {};
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
    io.out(
      `${p.created ? 'imported' : 'already imported (same content)'} ${p.id} ${p.version}: ${p.status}, ${p.testcases} test case(s), sha256 ${p.sha256}`,
    );
  }
  return 0;
}
