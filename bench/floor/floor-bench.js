// The floor of the batch target (issue 14: 5,000 documents, all layers, <= 2x xmllint --schema):
// what parse + XSD alone cost as samsvar runs them (libxml2 in WebAssembly) and as a natively linked
// libxml2 would, against samsvar's engine with every layer, each in one process and in two at once
// (the CLI's two workers on two cores). Start-up and schema compilation are included, as in
// xmllint's run. The native addon is built here with npm's node-gyp against Node's own headers and
// the system's libxml2 (xml2-config); without a C compiler, the headers or libxml2's development
// files its lines are skipped, and nothing is downloaded.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Builds bench/floor/xsd-native.c in `dir`; the addon's path, or why it could not be built. */
function buildNative(dir) {
  mkdirSync(dir, { recursive: true });
  for (const f of ['xsd-native.c', 'binding.gyp']) copyFileSync(path.join(here, f), path.join(dir, f));
  const npmRoot = spawnSync('npm', ['root', '-g'], { encoding: 'utf8', timeout: 60_000 }).stdout?.trim();
  const gyp = npmRoot && path.join(npmRoot, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (!gyp || !existsSync(gyp)) return { why: "npm's node-gyp not found" };
  // Node's own headers where the distribution installed them; without them node-gyp would download some.
  const nodeDir = path.resolve(process.execPath, '..', '..');
  if (!existsSync(path.join(nodeDir, 'include', 'node', 'node_api.h'))) return { why: `Node's headers are not in ${nodeDir}/include/node` };
  if (spawnSync('xml2-config', ['--version']).status !== 0) return { why: "libxml2's development files are missing (Debian: libxml2-dev)" };
  const r = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodeDir}`], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
  const addon = path.join(dir, 'build', 'Release', 'xsd_native.node');
  if (r.status !== 0 || !existsSync(addon)) {
    const last = `${r.stderr}`.split('\n').find((l) => /error/i.test(l) && !/^gyp (info|ERR! (stack|System|command|cwd|node))/.test(l));
    return { why: `node-gyp failed (needs a C compiler and libxml2's headers)${last ? `: ${last.trim()}` : ''}` };
  }
  return { addon };
}

/** The line of a child's stderr that says what went wrong (Node prints the source line first). */
function errorLine(stderr) {
  const lines = stderr.split('\n').map((l) => l.trim());
  return lines.find((l) => /^\w*Error\b/.test(l)) ?? lines.find(Boolean) ?? 'no output';
}

/** `parts` child processes at once over the list; wall time from the first spawn to the last exit. */
async function runProcesses(mode, parts, listFile, profileId, schema, env, addon) {
  const t0 = process.hrtime.bigint();
  const children = [];
  const outs = await Promise.all(
    Array.from(
      { length: parts },
      (_, part) =>
        new Promise((resolve, reject) => {
          const child = spawn(
            process.execPath,
            [path.join(here, 'floor-child.js'), mode, String(part), String(parts), listFile, profileId, schema, addon ?? ''],
            { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 },
          );
          children.push(child);
          let out = '';
          let err = '';
          child.stdout.on('data', (d) => (out += d));
          child.stderr.on('data', (d) => (err += d));
          child.on('error', reject);
          child.on('close', (code, signal) =>
            code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`floor ${mode}: ${signal ?? `exit ${code}`}: ${errorLine(err)}`)),
          );
        }),
    ),
  ).catch((e) => {
    // One failed: its siblings would go on into the next measurement.
    for (const c of children) c.kill();
    throw e;
  });
  return {
    ms: Number(process.hrtime.bigint() - t0) / 1e6,
    invalid: new Set(outs.flatMap((o) => o.invalid)),
    slowestLoopMs: Math.max(...outs.map((o) => o.loopMs)),
  };
}

/** How many documents two verdict sets disagree on (each set holds the files found invalid). */
function disagreements(a, b) {
  let n = 0;
  for (const f of a) if (!b.has(f)) n++;
  for (const f of b) if (!a.has(f)) n++;
  return n;
}

export async function runFloorBench({ files, schema, env, profileId, runs, tmp, timeXmllint }) {
  const listFile = path.join(tmp, 'floor-files.txt');
  writeFileSync(listFile, files.join('\n'));
  const native = buildNative(path.join(tmp, 'floor-native'));
  if (native.addon) {
    // The addon built; does it load and compile the schema here? If not its lines are left out, the
    // rest measured. Once it has, a failure during the runs is the bench's failure.
    const probe = path.join(tmp, 'floor-probe.txt');
    writeFileSync(probe, files[0]);
    await runProcesses('native', 1, probe, profileId, schema, env, native.addon).catch((e) => {
      native.why = `the addon does not run here: ${e.message}`;
      delete native.addon;
    });
  }
  const modes = [
    ...(native.addon ? [['native', 'parse + XSD, libxml2 native (N-API)']] : []),
    ['wasm', 'parse + XSD, libxml2 WebAssembly (samsvar)'],
    ['engine', 'all layers (samsvar engine)'],
  ];
  const times = { xmllint: [] };
  const invalid = {};
  for (let run = 0; run < runs; run++) {
    const x = timeXmllint();
    times.xmllint.push(x.ms);
    invalid.xmllint = x.invalid;
    for (const [mode] of modes)
      for (const parts of [1, 2]) {
        const r = await runProcesses(mode, parts, listFile, profileId, schema, env, native.addon);
        (times[`${mode}${parts}`] ??= []).push(r.ms);
        (times[`${mode}${parts}loop`] ??= []).push(r.slowestLoopMs);
        invalid[mode] = r.invalid;
      }
  }
  const x = median(times.xmllint);
  const m = (key) => median(times[key]);
  const cell = (ms) => `${ms.toFixed(0).padStart(5)} ms ${(ms / x).toFixed(2).padStart(5)}x`;
  const valid = (mode) => files.length - invalid[mode].size;
  const lines = [
    `floor: ${files.length} documents, profile ${profileId}, median of ${runs} run(s), start-up and schema compilation included; target 2x = ${(2 * x).toFixed(0)} ms`,
    `floor:   xmllint --noout --schema, one process         ${cell(x)}   (valid ${valid('xmllint')})`,
    `floor:   ${''.padEnd(46)} one process            two processes at once   documents only (1 / 2 processes)`,
  ];
  for (const [mode, label] of modes)
    lines.push(
      `floor:   ${label.padEnd(46)} ${cell(m(`${mode}1`))}   ${cell(m(`${mode}2`))}   ${m(`${mode}1loop`).toFixed(0)} / ${m(`${mode}2loop`).toFixed(0)} ms   (valid ${valid(mode)})`,
    );
  if (!native.addon) lines.push(`floor:   native libxml2 not measured: ${native.why}`);
  const layers = m('engine2') - m('wasm2');
  lines.push(
    `floor:   layers after parse + XSD, two processes (all layers - WebAssembly parse + XSD): ${layers.toFixed(0)} ms, ${(layers / x).toFixed(2)}x xmllint`,
  );
  if (native.addon)
    lines.push(
      `floor:   the same layers after a native parse + XSD (estimate, two processes): ${(m('native2') + layers).toFixed(0)} ms, ${((m('native2') + layers) / x).toFixed(2)}x xmllint`,
    );
  // Parse + XSD must give xmllint's verdict on every document whichever libxml2 runs them; the engine adds rules, so it may differ.
  const off = ['wasm', ...(native.addon ? ['native'] : [])].map((mode) => [mode, disagreements(invalid[mode], invalid.xmllint)]);
  const ok = off.every(([, n]) => n === 0);
  for (const [mode, n] of off) if (n) lines.push(`floor:   VERDICT DISAGREEMENT: ${mode} and xmllint disagree on ${n} document(s)`);
  return { ok, lines };
}
