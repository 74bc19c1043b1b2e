/**
 * ElementDefinition.minValue[x] and maxValue[x]: numbers, dates and times, and quantities (in the
 * same unit, or in UCUM units that differ by a metric prefix only: 11000 g is more than 0 kg).
 */
const PREFIX: Record<string, number> = { k: 1e3, h: 1e2, da: 1e1, d: 1e-1, c: 1e-2, m: 1e-3, u: 1e-6, n: 1e-9 };
const BASES = new Set(['g', 'm', 'L', 'l', 's', 'mol', 'Cel', '[iU]']);

/** A UCUM unit as (base unit, factor), for the units that differ by a metric prefix only. */
function ucumScale(code: string): { base: string; factor: number } | undefined {
  if (BASES.has(code)) return { base: code, factor: 1 };
  for (const [p, f] of Object.entries(PREFIX)) {
    if (code.startsWith(p) && BASES.has(code.slice(p.length)) && code.slice(p.length) !== 'Cel')
      return { base: code.slice(p.length), factor: f };
  }
  return undefined;
}

type Plain = { value?: unknown; code?: unknown; unit?: unknown; system?: unknown };

/** Compares a value with a limit of the same kind: negative, zero or positive; undefined where they cannot be compared. */
export function compareLimit(value: unknown, limit: unknown, kind: string): number | undefined {
  if (kind === 'Quantity') {
    const v = value as Plain;
    const l = limit as Plain;
    if (typeof v?.value !== 'number' || typeof l?.value !== 'number') return undefined;
    if ((v.code ?? v.unit) === (l.code ?? l.unit)) return v.value - l.value;
    const vs = typeof v.code === 'string' ? ucumScale(v.code) : undefined;
    const ls = typeof l.code === 'string' ? ucumScale(l.code) : undefined;
    if (!vs || !ls || vs.base !== ls.base) return undefined;
    return v.value * vs.factor - l.value * ls.factor;
  }
  if (typeof value === 'number' && typeof limit === 'number') return value - limit;
  if (typeof value === 'string' && typeof limit === 'string') {
    // Dates and times in ISO 8601 order lexically at their common precision.
    const n = Math.min(value.length, limit.length, 19);
    const a = value.slice(0, n);
    const b = limit.slice(0, n);
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return undefined;
}

function shown(v: unknown): string {
  const q = v as Plain;
  return typeof v === 'object' && v !== null ? `${q.value} ${q.code ?? q.unit ?? ''}`.trim() : String(v);
}

const MIN_LENGTH = 'http://hl7.org/fhir/StructureDefinition/minLength';

/** The minValue/maxValue (or minLength extension) the definition sets that the value breaks, in words; undefined when none. */
export function valueLimitProblem(def: Record<string, unknown>, value: unknown): string | undefined {
  const minLength = (def.extension as { url?: string; valueInteger?: unknown }[] | undefined)?.find(
    (x) => x.url === MIN_LENGTH,
  )?.valueInteger;
  if (typeof minLength === 'number' && typeof value === 'string' && [...value].length < minLength)
    return `${JSON.stringify(value)} is shorter than the profile's minimum length of ${minLength} characters`;
  for (const [key, limit] of Object.entries(def)) {
    const m = /^(min|max)Value([A-Z]\w*)$/.exec(key);
    if (!m) continue;
    const c = compareLimit(value, limit, m[2]);
    if (c === undefined) continue;
    if (m[1] === 'min' && c < 0) return `${shown(value)} is less than the smallest value the profile allows, ${shown(limit)}`;
    if (m[1] === 'max' && c > 0) return `${shown(value)} is greater than the largest value the profile allows, ${shown(limit)}`;
  }
  return undefined;
}
