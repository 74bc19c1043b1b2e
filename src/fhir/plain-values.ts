/** Operations on plain FHIR JSON values: equality, pattern matching, discriminator paths, codings, reference types. */

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** FHIR pattern matching: every value in the pattern is present in the instance; arrays match item by item, in any order. */
export function matchesPattern(value: unknown, pattern: unknown): boolean {
  if (typeof pattern !== 'object' || pattern === null) return value === pattern;
  if (Array.isArray(pattern)) {
    if (!Array.isArray(value)) return false;
    return pattern.every((p) => value.some((v) => matchesPattern(v, p)));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.entries(pattern).every(([k, p]) => matchesPattern((value as Record<string, unknown>)[k], p));
}

/** Splits a discriminator path on the dots outside parentheses and quotes: `extension('http://a.b').value`. */
export function splitPath(dpath: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < dpath.length; i++) {
    const c = dpath[i];
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && c === '.') {
      out.push(dpath.slice(start, i));
      start = i + 1;
    }
  }
  out.push(dpath.slice(start));
  return out.filter((s) => s.length > 0);
}

/** A discriminator path step naming an extension by its URL: `extension('http://…')`. */
export const EXTENSION_BY_URL = /^extension\('([^']*)'\)$/;

/** The resource type a reference string names (`Patient/1`, `https://x/fhir/Patient/1/_history/2`). */
export function typeFromReference(ref: string): string | undefined {
  return /(?:^|\/)([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/.exec(ref)?.[1];
}

/** Values reached by a discriminator path from a plain value, flattening arrays. */
export function navigate(value: unknown, dpath: string): unknown[] {
  let current: unknown[] = [value];
  for (const raw of splitPath(dpath)) {
    const seg = raw.replace(/\(\)$/, '');
    if (/^ofType\(\w+\)$/.test(seg)) continue;
    if (seg === 'resolve') {
      // No server is asked: a reference resolves to the type its string names.
      current = current.map((v) => (v as { reference?: unknown })?.reference).filter((r) => typeof r === 'string');
      continue;
    }
    const byUrl = EXTENSION_BY_URL.exec(seg);
    const next: unknown[] = [];
    for (const v of current) {
      if (typeof v !== 'object' || v === null) continue;
      const rec = v as Record<string, unknown>;
      if (byUrl) {
        const exts = Array.isArray(rec.extension) ? rec.extension : [];
        for (const x of exts) if ((x as { url?: unknown })?.url === byUrl[1]) next.push(x);
        continue;
      }
      let child = Object.hasOwn(rec, seg) ? rec[seg] : undefined;
      if (child === undefined) {
        const choiceKey = Object.keys(rec).find((k) => k.startsWith(seg) && /^[A-Z]/.test(k.slice(seg.length)));
        if (choiceKey) child = rec[choiceKey];
      }
      // One push per value: spreading a 100,000-value array into a call exceeds V8's argument limit.
      if (Array.isArray(child)) for (const item of child) next.push(item);
      else if (child !== undefined) next.push(child);
    }
    current = next;
  }
  return current;
}

/** The codings of a Coding or CodeableConcept value (plain JSON). */
export function codingsOf(v: unknown): { system?: string; code?: string; display?: string }[] {
  if (typeof v !== 'object' || v === null) return typeof v === 'string' ? [{ code: v }] : [];
  const rec = v as { coding?: unknown; system?: unknown; code?: unknown; concept?: unknown };
  const one = (c: { system?: unknown; code?: unknown; display?: unknown }) => ({
    system: typeof c.system === 'string' ? c.system : undefined,
    code: typeof c.code === 'string' ? c.code : undefined,
    display: typeof c.display === 'string' ? c.display : undefined,
  });
  if (Array.isArray(rec.coding)) return rec.coding.filter((c) => typeof c === 'object' && c !== null).map(one);
  if (rec.concept) return codingsOf(rec.concept);
  if ('code' in rec || 'system' in rec) return [one(rec)];
  return [];
}
