import path from 'node:path';
import { parseArgs } from 'node:util';
import { holdsRealPersonNumber } from '../../core/finding.js';
import type { Finding } from '../../core/finding.js';
import { SamsvarError } from '../../core/samsvar-error.js';
import type { ValidationResult } from '../../engine/engine.js';
import { loadCatalog } from '../../profiles/catalog.js';
import { importedProfilesDir } from '../../core/paths.js';
import type { CliIo } from '../cli-io.js';
import { renderJunit, renderText } from '../render-results.js';
import { validateFiles } from '../validate-files.js';

export const summary =
  'validate XML messages and FHIR resources offline: samsvar validate FILE... [--profile ID] [--format text|json|junit]';

const HELP = `usage: samsvar validate FILE... [--profile ID] [--profile-dir DIR] [--format text|json|junit]

Validates each file with the same engine and profiles as the service. Without --profile the
profile is detected from the document (root namespace, MsgHead message type, embedded document).
Files ending in .json are FHIR resources; everything else is read as XML.
--profile-dir validates with the profiles in DIR only (a directory of profile directories, or an
unpacked profile package from GET /api/v1/profiles/{id}/package), not the shipped and imported ones.

exit codes: 0 every file is valid, 1 a file has an error finding, 2 usage error or unreadable file`;

export interface FileResult extends ValidationResult {
  file: string;
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      profile: { type: 'string' },
      'profile-dir': { type: 'string' },
      format: { type: 'string', default: 'text' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  if (!positionals.length) throw new SamsvarError('bad_request', 'no file given\n' + HELP);
  if (!['text', 'json', 'junit'].includes(values.format!))
    throw new SamsvarError('bad_request', `--format must be text, json or junit, not "${values.format}"`);

  const importedDir = importedProfilesDir(io.env);
  // Loaded once here: an unknown profile is a usage error before any file is read, and this thread validates with it.
  // The package module (tar, test-case evaluation, FHIRPath) is imported only for --profile-dir: a
  // one-file run would otherwise spend a third of its start-up loading it.
  const catalog = values['profile-dir']
    ? (await import('../../testcases/profile-package.js')).catalogOfProfileDir(path.resolve(io.cwd, values['profile-dir']))
    : loadCatalog({ importedDir });
  if (values.profile) catalog.require(values.profile);
  const outcomes = await validateFiles(
    positionals.map((file) => ({ file, path: path.resolve(io.cwd, file) })),
    { profile: values.profile, importedDir },
    catalog,
  );
  const results: FileResult[] = [];
  let unreadable = false;
  for (const o of outcomes) {
    if ('unreadable' in o) {
      io.err(`samsvar validate: cannot read ${o.file}: ${o.unreadable}`);
      unreadable = true;
    } else results.push(o);
  }

  if (values.format === 'json') {
    io.out(JSON.stringify({ results: results.map(jsonResult) }, null, 2));
  } else if (values.format === 'junit') {
    io.out(renderJunit(results));
  } else {
    io.out(renderText(results));
  }
  for (const r of results) {
    if (holdsRealPersonNumber(r.findings)) {
      io.err(
        `samsvar validate: warning: ${r.file} holds what looks like a real person's fødselsnummer or D-nummer (ID-PERSON-REAL, layer privacy); the verdict does not depend on it, but the service will refuse to store the file. Use synthetic test data.`,
      );
    }
  }
  if (unreadable) return 2;
  return results.every((r) => r.valid) ? 0 : 1;
}

function jsonResult(
  r: FileResult,
): { file: string; profile: string | null; valid: boolean; findings: Finding[] } & Partial<ValidationResult> {
  return {
    file: r.file,
    profile: r.profile,
    profileVersion: r.profileVersion,
    detection: r.detection,
    format: r.format,
    valid: r.valid,
    findings: r.findings,
  };
}
