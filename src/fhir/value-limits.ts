/**
 * ElementDefinition.minValue[x] and maxValue[x]: numbers, dates and times, and quantities (in the
 * same unit, or in UCUM units that convert into each other: 11000 g is more than 10 kg, 2 [lb_av]
 * less than 1 kg).
 */
import { createRequire } from 'node:module';

interface UcumUtils {
  validateUnitString(unit: string): { status: string };
  getSpecifiedUnit(unit: string, intent: 'validate'): { unit?: { isArbitrary_?: boolean } | null };
  convertUnitTo(from: string, value: number, to: string): { status: string; toVal: number | null };
}

// UCUM as the NLM's ucum-lhc reads it: fhirpath loads the same package for its quantities.
let ucum: UcumUtils | undefined;
function ucumUtils(): UcumUtils {
  ucum ??= (
    createRequire(import.meta.url)('@lhncbc/ucum-lhc') as { UcumLhcUtils: { getInstance(): UcumUtils } }
  ).UcumLhcUtils.getInstance();
  return ucum;
}

/**
 * Real UCUM codes are short, and ucum-lhc's parser takes time quadratic in a code's length (100 KB
 * took seconds): a longer code is not read, and a quantity in it not judged.
 */
const MAX_UNIT_LENGTH = 100;
/** A UCUM unit as far as comparing needs it: whether it is arbitrary ([IU]: ucum-lhc converts none of those); null for no UCUM code. */
const units = new Map<string, { arbitrary: boolean } | null>();
function ucumUnit(code: string): { arbitrary: boolean } | null {
  if (code.length > MAX_UNIT_LENGTH) return null;
  let unit = units.get(code);
  if (unit === undefined) {
    const u = ucumUtils();
    unit =
      u.validateUnitString(code).status === 'valid'
        ? { arbitrary: u.getSpecifiedUnit(code, 'validate').unit?.isArbitrary_ === true }
        : null;
    if (units.size < 10_000) units.set(code, unit);
  }
  return unit;
}

const UCUM_SYSTEM = 'http://unitsofmeasure.org';

/**
 * Two quantities in order: negative, zero or positive; 'incommensurable' for UCUM units of
 * different kinds (kg and [mi_i]); undefined where it cannot be told (units that are not UCUM
 * codes, arbitrary units such as [IU] that UCUM does not convert, no values).
 */
export function compareQuantities(value: unknown, limit: unknown): number | 'incommensurable' | undefined {
  const v = value as Plain;
  const l = limit as Plain;
  if (typeof v?.value !== 'number' || typeof l?.value !== 'number') return undefined;
  if ((v.code ?? v.unit) === (l.code ?? l.unit)) return v.value - l.value;
  const ucumOnly = [v.system, l.system].every((s) => s === undefined || s === UCUM_SYSTEM);
  if (!ucumOnly || typeof v.code !== 'string' || typeof l.code !== 'string') return undefined;
  const [vu, lu] = [ucumUnit(v.code), ucumUnit(l.code)];
  if (!vu || !lu) return undefined;
  const converted = ucumUtils().convertUnitTo(v.code, v.value, l.code);
  if (converted.status !== 'succeeded' || typeof converted.toVal !== 'number')
    return vu.arbitrary || lu.arbitrary ? undefined : 'incommensurable';
  // Conversions through factors like 0.001 leave rounding noise: equal within a millionth is equal.
  const difference = converted.toVal - l.value;
  return Math.abs(difference) <= 1e-9 * Math.max(1, Math.abs(l.value)) ? 0 : difference;
}

type Plain = { value?: unknown; code?: unknown; unit?: unknown; system?: unknown };

/** Compares a value with a limit of the same kind: negative, zero or positive; undefined where they cannot be compared. */
export function compareLimit(value: unknown, limit: unknown, kind: string): number | undefined {
  if (kind === 'Quantity') {
    const order = compareQuantities(value, limit);
    return typeof order === 'number' ? order : undefined;
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
