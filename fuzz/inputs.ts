import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { SamsvarError } from '../src/core/samsvar-error.js';
import { PACKAGE_ROOT } from '../src/core/paths.js';

/**
 * Inputs per property, scaled by SAMSVAR_FUZZ_SCALE (default 1): the properties' counts add up to
 * 12,000 per run (the README), weighted so the costly ones (FHIR profiles, HTTP) take fewer.
 */
export function runs(count: number): number {
  return Math.max(1, Math.round(count * Number(process.env.SAMSVAR_FUZZ_SCALE ?? 1)));
}
/** A fixed seed by default, so a failure reproduces; SAMSVAR_FUZZ_SEED explores others. */
export const SEED = Number(process.env.SAMSVAR_FUZZ_SEED ?? 4711);

/** The shipped examples of these profiles, the seeds the mutations start from. */
export function shippedExamples(profiles: string[], ext: string): Buffer[] {
  const out: Buffer[] = [];
  for (const p of profiles) {
    for (const kind of ['valid', 'invalid']) {
      const dir = path.join(PACKAGE_ROOT, 'profiles', p, 'examples', kind);
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const n of names.filter((x) => x.endsWith(ext)).sort()) out.push(readFileSync(path.join(dir, n)));
    }
  }
  if (out.length === 0) throw new Error(`no shipped examples for ${profiles.join(', ')}`);
  return out;
}

/** A byte string changed in a few places: bytes replaced, removed, duplicated or inserted. */
export function mutated(seeds: Buffer[]): fc.Arbitrary<Uint8Array> {
  const edit = fc.record({
    at: fc.nat(),
    kind: fc.constantFrom('replace', 'delete', 'insert', 'repeat'),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }),
    text: fc.constantFrom(
      '<',
      '>',
      '&',
      '"',
      "'",
      ']]>',
      '<!DOCTYPE x [<!ENTITY e "x">]>',
      '&#0;',
      '&e;',
      '<?xml-stylesheet?>',
      '\u0000',
      '\uFFFE',
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      '"\\u0000"',
      'null',
      '1e999',
      '-0',
      '__proto__',
      '"resourceType"',
    ),
  });
  return fc.tuple(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 6 })).map(([seed, edits]) => {
    let b = Buffer.from(seed);
    for (const e of edits) {
      const at = e.at % (b.length + 1);
      const piece = e.kind === 'insert' && e.at % 2 === 0 ? Buffer.from(e.text) : Buffer.from(e.bytes);
      if (e.kind === 'replace') b = Buffer.concat([b.subarray(0, at), piece, b.subarray(at + piece.length)]);
      else if (e.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + piece.length)]);
      else if (e.kind === 'insert') b = Buffer.concat([b.subarray(0, at), piece, b.subarray(at)]);
      else b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + 40), b.subarray(at)]);
    }
    return new Uint8Array(b);
  });
}

/** What the engines may do with hostile input: answer, or refuse with the one user-facing error type. */
export async function answersOrRefuses(work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (e) {
    if (e instanceof SamsvarError) return;
    throw e;
  }
}
