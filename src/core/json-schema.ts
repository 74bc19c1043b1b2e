import { createRequire } from 'node:module';
import type { Ajv as AjvType, ErrorObject, ValidateFunction } from 'ajv';

// Ajv is loaded on first compile, not on import: a CLI run whose profile manifests are already
// known to be valid (src/profiles/manifest-schema.ts keeps that in the disk cache) never needs it,
// and loading and compiling it is a large part of start-up.
const require = createRequire(import.meta.url);
type AjvClass = new (opts: Record<string, unknown>) => AjvType;
let loaded: { Ajv: AjvClass; addFormats: (ajv: AjvType) => AjvType } | undefined;
function ajvModule(): NonNullable<typeof loaded> {
  loaded ??= {
    Ajv: (require('ajv') as { Ajv: AjvClass }).Ajv,
    addFormats: (require('ajv-formats') as { default: (ajv: AjvType) => AjvType }).default,
  };
  return loaded;
}

export type JsonSchema = Record<string, unknown>;

export interface CompileOptions {
  /**
   * Report every problem (files an author fixes in one go) or stop at the first (request bodies:
   * a hostile body must not make the validator collect a million errors). Default true.
   */
  allErrors?: boolean;
  /** Query strings: "5" is read as the integer 5 where the schema wants an integer. */
  coerceTypes?: boolean;
}

// One configuration for every schema samsvar checks (request bodies and queries, profile manifests,
// test case files, requirement sets); instances differ only in what the options above must change.
const instances = new Map<string, AjvType>();

function instance(opts: Required<CompileOptions>): AjvType {
  const key = `${opts.allErrors}/${opts.coerceTypes}`;
  let ajv = instances.get(key);
  if (!ajv) {
    const { Ajv, addFormats } = ajvModule();
    ajv = addFormats(
      new Ajv({ allErrors: opts.allErrors, coerceTypes: opts.coerceTypes, allowUnionTypes: true, discriminator: true, strict: false }),
    );
    instances.set(key, ajv);
  }
  return ajv;
}

export function compileSchema(schema: JsonSchema, opts: CompileOptions = {}): ValidateFunction {
  return instance({ allErrors: opts.allErrors ?? true, coerceTypes: opts.coerceTypes ?? false }).compile(schema);
}

function describe(e: ErrorObject, root: string): string {
  const at = `${root}${e.instancePath.replace(/\//g, '.')}`;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return `${at} has an unknown property '${String(p.additionalProperty)}'`;
    case 'required':
      return `${at} lacks the required property '${String(p.missingProperty)}'`;
    case 'const':
      return `${at} must be ${JSON.stringify(p.allowedValue)}`;
    case 'enum':
      return `${at} must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `${at} ${e.message ?? 'is invalid'}`;
  }
}

/**
 * The one wording of schema problems: `root.path.to.value` and what is wrong with it, each problem
 * once. `oneOf` adds only "must match exactly one schema" to its branches' own complaints, so it
 * is left out when those are there.
 */
export function describeSchemaErrors(errors: readonly ErrorObject[] | null | undefined, root: string): string {
  const list = errors ?? [];
  const specific = list.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf');
  const shown = specific.length > 0 ? specific : list;
  if (shown.length === 0) return `${root} is invalid`;
  return [...new Set(shown.map((e) => describe(e, root)))].slice(0, 10).join('; ');
}
