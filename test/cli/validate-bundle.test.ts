// `samsvar validate` runs from a bundle (scripts/build-validate-bundle.mjs) through bin/samsvar.js.
// A bundle is built here from the current sources, and must answer every kind of run exactly as
// the unbundled command does: same output, same exit code.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runBundle } from '../../src/cli/bundle-runner.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { runCli } from '../helpers/cli-run.js';

const out = mkdtempSync(path.join(tmpdir(), 'samsvar-bundle-build-'));
const cache = mkdtempSync(path.join(tmpdir(), 'samsvar-bundle-cache-'));
const data = mkdtempSync(path.join(tmpdir(), 'samsvar-bundle-data-'));
const env = { SAMSVAR_CACHE_DIR: cache, SAMSVAR_DATA: data };
const bundle = pathToFileURL(path.join(out, 'validate.js'));
const example = (profile: string, kind: string, file: string) => path.join(PACKAGE_ROOT, 'profiles', profile, 'examples', kind, file);

beforeAll(() => {
  const built = spawnSync(process.execPath, [path.join(PACKAGE_ROOT, 'scripts', 'build-validate-bundle.mjs'), '--out', out], {
    encoding: 'utf8',
  });
  expect(built.stderr).toBe('');
  expect(built.status).toBe(0);
});
afterAll(() => {
  for (const d of [out, cache, data]) rmSync(d, { recursive: true, force: true });
});

/** Runs the bundle in this process as bin/samsvar.js does, capturing what it prints. */
async function runBundled(args: string[]): Promise<{ code: number; stdout: string; stderr: string; codeCache: string }> {
  let stdout = '';
  let stderr = '';
  const write = (add: (t: string) => void) => (chunk: string | Uint8Array) => (add(String(chunk)), true);
  const outSpy = vi.spyOn(process.stdout, 'write').mockImplementation(write((t) => (stdout += t)));
  const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation(write((t) => (stderr += t)));
  const saved = { argv: process.argv, exitCode: process.exitCode, env: { ...process.env } };
  process.argv = [process.execPath, 'samsvar', 'validate', ...args];
  Object.assign(process.env, env);
  try {
    const r = await runBundle(bundle, []);
    if (!r.ran) throw new Error('the bundle did not run');
    return { code: Number(process.exitCode ?? 0), stdout, stderr, codeCache: r.codeCache };
  } finally {
    outSpy.mockRestore();
    errSpy.mockRestore();
    process.argv = saved.argv;
    process.exitCode = saved.exitCode;
    for (const k of Object.keys(env)) if (saved.env[k] === undefined) delete process.env[k];
    Object.assign(process.env, saved.env);
  }
}

describe('samsvar validate from the bundle', () => {
  it('carries libxml2 as a WebAssembly file of its own, not as a string literal decoded at every start', () => {
    expect([...readFileSync(path.join(out, 'libxml2.wasm')).subarray(0, 4)]).toEqual([0, 0x61, 0x73, 0x6d]);
    const text = readFileSync(path.join(out, 'validate.js'), 'latin1');
    expect(/["'`](\\0|\\x00|\\u0000)asm/.test(text)).toBe(false);
  });

  it.each([
    ['a valid message, profile detected', [example('dialogmelding-1.1-foresporsel', 'valid', 'foresporsel-helseopplysninger.xml')]],
    [
      'invalid messages, as JSON and JUnit',
      [
        '--format',
        'json',
        example('dialogmelding-1.1-foresporsel', 'invalid', 'DLG-0005--missing-sporsmal.xml'),
        example('dialogmelding-1.1-foresporsel', 'invalid', 'XSD--typeforesp-missing.xml'),
      ],
    ],
    ['a FHIR resource (FHIR support is loaded on demand)', [example('no-basis-patient', 'invalid', 'FHIR-CARDINALITY-MAX--two-fnr.json')]],
    [
      'profiles from --profile-dir (the package module is loaded on demand)',
      [
        '--profile-dir',
        path.join(PACKAGE_ROOT, 'profiles'),
        '--profile',
        'msghead-1.2',
        example('msghead-1.2', 'valid', 'notat-med-vedlegg.xml'),
      ],
    ],
    ['a file that cannot be read', [path.join(data, 'missing.xml')]],
    ['a usage error', ['--format', 'yaml', 'x.xml']],
    ['an unknown profile', ['--profile', 'no-such-profile', 'x.xml']],
  ])('answers %s as the unbundled command does', async (_what, args) => {
    const expected = await runCli(['validate', ...args], env);
    const bundled = await runBundled(args);
    expect({ code: bundled.code, stdout: bundled.stdout, stderr: bundled.stderr }).toEqual(expected);
  });

  it('writes its code cache on the first run and uses it on the next', async () => {
    rmSync(cache, { recursive: true, force: true });
    const args = [example('dialogmelding-1.1-foresporsel', 'valid', 'foresporsel-helseopplysninger.xml')];
    const first = await runBundled(args);
    const second = await runBundled(args);
    expect([first.codeCache, second.codeCache]).toEqual(['written', 'used']);
    expect(second.stdout).toBe(first.stdout);
  });
});
