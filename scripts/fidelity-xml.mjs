#!/usr/bin/env node
// Compares samsvar's schema verdicts with xmllint's, message by message, on a directory of XML
// messages. Not a test: it reads messages from outside the project when they are present.
//
//   node scripts/fidelity-xml.mjs [--messages DIR] [--json]
//
// DIR defaults to ../shared/reference/messages (or $SAMSVAR_REFERENCE_MESSAGES). For each message
// samsvar detects the profile (`samsvar validate`); xmllint then validates the message against
// that profile's entry XSD with the profile's XML catalogs (those of the profiles it uses
// included), exactly the schema set samsvar compiles. A message whose profile samsvar cannot pick
// is counted apart. When the message sits under a `valid/` or `invalid/` folder (the reference
// corpus, sorted by the official XSD sets), that verdict is reported too: samsvar's schema layer
// against the official schemas, false passes first.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(path.join(root, 'dist', 'cli', 'main.js'))) {
  console.error('fidelity-xml: dist/ is missing; run `npm run build` first');
  process.exit(2);
}
const { loadCatalog } = await import('../dist/profiles/catalog.js');

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const dir = path.resolve(
  opt('--messages') ?? process.env.SAMSVAR_REFERENCE_MESSAGES ?? path.join(root, '..', 'shared', 'reference', 'messages'),
);
const asJson = args.includes('--json');
if (!existsSync(dir)) {
  console.log(`fidelity-xml: no messages at ${dir}; pass --messages DIR`);
  process.exit(0);
}
if (spawnSync('xmllint', ['--version']).error) {
  console.log('fidelity-xml: xmllint not found (Debian: apt-get install libxml2-utils); skipped');
  process.exit(0);
}

function walk(d, out = []) {
  for (const name of readdirSync(d).sort()) {
    const p = path.join(d, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.xml')) out.push(p);
  }
  return out;
}

const files = walk(dir);
const catalog = loadCatalog({ importedDir: path.join(root, '.fidelity-no-imports') });
const results = [];
for (let i = 0; i < files.length; i += 200) {
  const batch = files.slice(i, i + 200);
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'samsvar.js'), 'validate', '--format', 'json', ...batch], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0 && r.status !== 1 && r.status !== 2) throw new Error(`samsvar exited ${r.status}: ${r.stderr}`);
  results.push(...JSON.parse(r.stdout).results);
}

const schemaErrors = (r) =>
  r.findings.filter(
    (f) =>
      f.severity === 'error' &&
      (f.layer === 'schema' || f.layer === 'syntax') &&
      f.ruleId !== 'PROFILE-UNKNOWN' &&
      f.ruleId !== 'PROFILE-MISMATCH',
  );
const byProfile = new Map();
const rows = [];
for (const r of results) {
  const reference = /\/invalid\//.test(r.file) ? 'invalid' : /\/valid\//.test(r.file) ? 'valid' : undefined;
  const row = { file: path.relative(dir, r.file), profile: r.profile, samsvar: schemaErrors(r).length ? 'invalid' : 'valid', reference };
  rows.push(row);
  if (r.profile && !r.findings.some((f) => f.ruleId === 'PROFILE-UNKNOWN')) {
    const list = byProfile.get(r.profile) ?? [];
    list.push(row);
    byProfile.set(r.profile, list);
  } else row.samsvar = 'no profile';
}

for (const [id, list] of byProfile) {
  const profile = catalog.get(id);
  if (!profile || profile.manifest.kind !== 'xml') continue;
  const related = [profile, ...(profile.manifest.uses ?? []).map((u) => catalog.require(u))];
  const catalogs = related.filter((p) => p.manifest.catalog).map((p) => path.join(p.dir, p.manifest.catalog));
  const env = { ...process.env, XML_CATALOG_FILES: catalogs.join(' ') };
  const x = spawnSync(
    'xmllint',
    ['--noout', '--nonet', '--schema', path.join(profile.dir, profile.manifest.schema), ...list.map((row) => path.join(dir, row.file))],
    { encoding: 'utf8', env, maxBuffer: 1 << 30 },
  );
  const verdicts = new Map();
  for (const line of x.stderr.split('\n')) {
    const m = /^(.*) (validates|fails to validate)$/.exec(line);
    if (m) verdicts.set(path.relative(dir, m[1]), m[2] === 'validates' ? 'valid' : 'invalid');
  }
  for (const row of list) row.xmllint = verdicts.get(row.file) ?? 'not run';
}

const compared = rows.filter((r) => r.xmllint === 'valid' || r.xmllint === 'invalid');
const disagree = compared.filter((r) => r.samsvar !== r.xmllint);
const refRows = rows.filter((r) => r.reference && r.samsvar !== 'no profile');
// msghead-1.2 alone checks the envelope; a fault inside a document of a standard samsvar has no profile for is a coverage gap.
const envelopeOnly = (r) => r.profile === 'msghead-1.2' && !/\/msghead-1\.2\//.test(r.file);
const falsePasses = refRows.filter((r) => r.reference === 'invalid' && r.samsvar === 'valid' && !envelopeOnly(r));
const uncovered = refRows.filter((r) => r.reference === 'invalid' && r.samsvar === 'valid' && envelopeOnly(r));
const falseErrors = refRows.filter((r) => r.reference === 'valid' && r.samsvar === 'invalid');
const summary = {
  messagesDir: dir,
  messages: rows.length,
  withProfile: rows.length - rows.filter((r) => r.samsvar === 'no profile').length,
  comparedWithXmllint: compared.length,
  agreeWithXmllint: compared.length - disagree.length,
  againstOfficialXsd: refRows.length,
  falsePasses: falsePasses.length,
  falseErrors: falseErrors.length,
  envelopeOnlyUncovered: uncovered.length,
};

if (asJson) console.log(JSON.stringify({ summary, rows }, null, 2));
else {
  const list = (title, xs, show) => {
    if (!xs.length) return;
    console.log(`\n${title} (${xs.length})`);
    for (const r of xs.slice(0, 30)) console.log(`  ${r.file} [${r.profile ?? 'no profile'}]: ${show(r)}`);
    if (xs.length > 30) console.log(`  … and ${xs.length - 30} more`);
  };
  list(
    "False passes against the official XSD sets: the folder says invalid, samsvar's schema layer valid",
    falsePasses,
    () => 'schema-valid in samsvar',
  );
  list(
    'Not covered: invalid only inside a document of a standard samsvar has no profile for (msghead-1.2 checks the envelope)',
    uncovered,
    () => 'envelope valid',
  );
  list(
    "False errors against the official XSD sets: the folder says valid, samsvar's schema layer invalid",
    falseErrors,
    () => 'schema-invalid in samsvar',
  );
  list('Schema verdicts that differ from xmllint with the same XSD set', disagree, (r) => `xmllint ${r.xmllint}, samsvar ${r.samsvar}`);
  console.log(`\nXML messages at ${dir}`);
  console.log(`  ${summary.messages} messages, ${summary.withProfile} with a profile samsvar detects`);
  console.log(`  schema verdict agrees with xmllint (same XSD set) on ${summary.agreeWithXmllint}/${summary.comparedWithXmllint}`);
  console.log(
    `  against the official XSD sets (valid/ and invalid/ folders): ${summary.againstOfficialXsd} compared, ${summary.falsePasses} false passes, ${summary.falseErrors} false errors; ${summary.envelopeOnlyUncovered} invalid only in a document samsvar has no profile for`,
  );
}
