import path from 'node:path';
import { parseArgs } from 'node:util';
import { importedProfilesDir } from '../../core/paths.js';
import { SamsvarError } from '../../core/samsvar-error.js';
import { loadCatalog } from '../../profiles/catalog.js';
import { importXmlProfile } from '../../xml/import-profile.js';
import { importFhirPackage, isFhirPackage } from '../../fhir/package-import.js';
import type { CliIo } from '../cli-io.js';

export const summary = 'list installed profiles or import one: samsvar profiles list | import DIR|PACKAGE.tgz';

const HELP = `usage:
  samsvar profiles list [--format text|json]
  samsvar profiles import DIR [--replace] [--id ID --schema ENTRY.xsd [--version V] [--title T] [--catalog catalog.xml] [--uses ID,...]]
  samsvar profiles import PACKAGE.tgz|PACKAGE_DIR       (FHIR packages in the npm layout)

Imported profiles are stored in $SAMSVAR_DATA/profiles (default ./data/profiles). An XML profile
directory carries profile.json, or the options describe it (e.g. an official XSD set as downloaded).
Schema references by URL are resolved only through the profile's OASIS catalog; nothing is fetched.`;

export async function run(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '--help' || sub === '-h') {
    io.out(HELP);
    return sub ? 0 : 2;
  }
  const importedDir = importedProfilesDir(io.env);
  if (sub === 'list') {
    const { values } = parseArgs({ args: rest, options: { format: { type: 'string', default: 'text' } } });
    const profiles = loadCatalog({ importedDir }).list();
    if (values.format === 'json') {
      io.out(JSON.stringify(profiles.map((p) => ({ id: p.manifest.id, version: p.manifest.version, title: p.manifest.title, kind: p.manifest.kind, status: p.manifest.status ?? 'active', source: p.source, sha256: p.sha256 })), null, 2));
      return 0;
    }
    io.out(['ID'.padEnd(36) + 'VERSION'.padEnd(10) + 'KIND'.padEnd(6) + 'SOURCE'.padEnd(10) + 'TITLE', ...profiles.map((p) => `${p.manifest.id.padEnd(36)}${p.manifest.version.padEnd(10)}${p.manifest.kind.padEnd(6)}${p.source.padEnd(10)}${p.manifest.title}`)].join('\n'));
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
      },
    });
    if (positionals.length !== 1) throw new SamsvarError('bad_request', 'give exactly one directory or package to import\n' + HELP);
    const source = path.resolve(io.cwd, positionals[0]);
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
