/**
 * Primitive types: which JSON type carries each, and the lexical form its StructureDefinition
 * declares (the `regex` extension on `<type>.value`). Compiled once per type.
 */
import type { ConformanceStore } from './conformance-store.js';
import type { JsonNode } from './json-parser.js';

const REGEX_EXT = 'http://hl7.org/fhir/StructureDefinition/regex';
const SYSTEM_PREFIX = 'http://hl7.org/fhirpath/System.';

export const NUMBER_TYPES = new Set(['integer', 'unsignedInt', 'positiveInt', 'decimal', 'integer64']);
const INTEGER_TYPES = new Set(['integer', 'unsignedInt', 'positiveInt']);

export function isPrimitiveType(code: string, store: ConformanceStore): boolean {
  if (code.startsWith(SYSTEM_PREFIX)) return true;
  return store.baseType(code)?.kind === 'primitive-type';
}

export interface PrimitiveCheck {
  /** Why the value is not a valid instance of the type; absent when it is. */
  problem?: string;
}

const regexCache = new Map<string, RegExp | null>();

function typeRegex(code: string, store: ConformanceStore): RegExp | null {
  if (regexCache.has(code)) return regexCache.get(code)!;
  let re: RegExp | null = null;
  const sd = store.baseType(code);
  const valueEl = sd?.snapshot?.element.find((e) => e.path === `${code}.value`);
  const pattern = valueEl?.type?.[0]?.extension?.find((x) => x.url === REGEX_EXT)?.valueString;
  if (pattern) {
    try {
      re = new RegExp(`^(?:${pattern})$`, 'u');
    } catch {
      re = new RegExp(`^(?:${pattern})$`);
    }
  }
  regexCache.set(code, re);
  return re;
}

function jsonKind(node: JsonNode): string {
  return node.kind === 'object' ? 'an object' : node.kind === 'array' ? 'an array' : node.kind === 'null' ? 'null' : `a ${node.kind}`;
}

/** FHIR R4 §2.24.0.1 (string): "Strings SHALL NOT exceed 1MB in size". */
const MAX_STRING_BYTES = 1024 * 1024;
const TOO_LONG = `is longer than FHIR allows a string, 1 MB (${MAX_STRING_BYTES} bytes of UTF-8)`;

function tooLong(value: string): boolean {
  // A UTF-16 code unit is at most 3 bytes of UTF-8: only a long string needs counting.
  if (value.length * 3 <= MAX_STRING_BYTES) return false;
  return value.length > MAX_STRING_BYTES || Buffer.byteLength(value, 'utf8') > MAX_STRING_BYTES;
}

/** Checks the JSON value of a primitive element of type `code`. */
export function checkPrimitive(node: JsonNode, code: string, store: ConformanceStore): PrimitiveCheck {
  if (code.startsWith(SYSTEM_PREFIX)) {
    const sys = code.slice(SYSTEM_PREFIX.length);
    if (sys === 'Boolean') return node.kind === 'boolean' ? {} : { problem: `must be a JSON boolean, not ${jsonKind(node)}` };
    if (sys === 'Integer' || sys === 'Decimal')
      return node.kind === 'number' ? {} : { problem: `must be a JSON number, not ${jsonKind(node)}` };
    if (node.kind !== 'string') return { problem: `must be a JSON string, not ${jsonKind(node)}` };
    if (sys === 'String' && tooLong(node.value)) return { problem: TOO_LONG };
    return node.value.length ? {} : { problem: 'must not be an empty string' };
  }
  if (code === 'boolean')
    return node.kind === 'boolean' ? {} : { problem: `must be a JSON boolean (true or false), not ${jsonKind(node)}` };
  if (NUMBER_TYPES.has(code)) {
    if (node.kind !== 'number') return { problem: `must be a JSON number, not ${jsonKind(node)}` };
    if (INTEGER_TYPES.has(code)) {
      if (!Number.isInteger(node.value) || /[.eE]/.test(node.raw)) return { problem: `${node.raw} is not a whole number (${code})` };
      if (node.value > 2147483647 || node.value < -2147483648) return { problem: `${node.raw} is outside the 32-bit range of ${code}` };
      if (code === 'positiveInt' && node.value < 1) return { problem: `${node.raw} is not a positiveInt (1 or more)` };
      if (code === 'unsignedInt' && node.value < 0) return { problem: `${node.raw} is not an unsignedInt (0 or more)` };
    }
    return {};
  }
  if (node.kind !== 'string') return { problem: `must be a JSON string, not ${jsonKind(node)}` };
  // base64Binary and xhtml are not strings in FHIR's sense; an attachment or a narrative may be larger.
  if (code !== 'base64Binary' && code !== 'xhtml' && tooLong(node.value)) return { problem: TOO_LONG };
  if (code === 'xhtml') {
    return /^\s*<div[\s>]/.test(node.value) ? {} : { problem: 'narrative must be XHTML starting with a <div> element' };
  }
  if (code === 'base64Binary') {
    // The specification's regex for base64Binary backtracks exponentially on bad input (a few dozen
    // characters take seconds); this linear check accepts the same language.
    const compact = node.value.replace(/\s+/g, '');
    return compact.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(compact)
      ? {}
      : { problem: `is not valid base64 (${HINTS.base64Binary}, in groups of four)` };
  }
  const re = typeRegex(code, store);
  if (re && !re.test(node.value)) {
    const shown = node.value.length > 60 ? `${node.value.slice(0, 57)}...` : node.value;
    return { problem: `"${shown}" is not a valid ${code}${HINTS[code] ? ` (${HINTS[code]})` : ''}` };
  }
  if (re === null && node.value.length === 0) return { problem: 'must not be an empty string' };
  if (URI_TYPES.has(code)) {
    const problem = identifierUriProblem(node.value, code);
    if (problem) return { problem };
  }
  return {};
}

const URI_TYPES = new Set(['uri', 'url', 'canonical', 'oid', 'uuid']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A URI that names an identifier must name a valid one, as the HL7 validator checks: `urn:uuid:`
 * takes a lowercase UUID (RFC 4122; a canonical may add `|version`, any uri `#fragment`), and
 * neither it nor `urn:oid:` may be written without its `urn:`. The HL7 validator also refuses an
 * OID arc with a leading zero; samsvar does not, since the published no-basis Endpoint profile
 * binds to `urn:oid:2.16.578.1.12.4.1.1.0000`, a placeholder.
 */
function identifierUriProblem(value: string, code: string): string | undefined {
  if (value.startsWith('oid:') || value.startsWith('uuid:')) return `"${value}" lacks its urn: prefix (urn:${value})`;
  if (code === 'canonical' && !value.startsWith('#') && !isAbsoluteUri(value))
    return `"${value}" is not an absolute URL: a canonical reference needs one (or #id for a contained resource), not a relative path such as Type/id`;
  const bare = (prefix: string) => {
    let rest = value.slice(prefix.length);
    if (rest.includes('#')) rest = rest.slice(0, rest.indexOf('#'));
    if (code === 'canonical' && rest.includes('|')) rest = rest.slice(0, rest.indexOf('|'));
    return rest;
  };
  if (value.startsWith('urn:uuid:') && !UUID.test(bare('urn:uuid:')))
    return `"${value}" is not a valid urn:uuid: the UUID must be 8-4-4-4-12 lowercase hex digits`;
  return undefined;
}

/**
 * Absolute as the HL7 validator reads it (Utilities.isAbsoluteUrl): a scheme of letters, digits, `_`
 * or brackets, starting with a letter, in lowercase (http, https and urn whatever they are
 * followed by), then something after the colon and no space in it.
 */
function isAbsoluteUri(value: string): boolean {
  const colon = value.indexOf(':');
  if (colon <= 0) return false;
  const rest = value.slice(colon + 1);
  return /^[a-z][a-z0-9_[\]]*$/.test(value.slice(0, colon)) && rest.length > 0 && !rest.includes(' ');
}

const HINTS: Record<string, string> = {
  date: 'YYYY, YYYY-MM or YYYY-MM-DD',
  dateTime: 'YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zz:zz; a time needs a timezone',
  instant: 'YYYY-MM-DDThh:mm:ss.sss+zz:zz, with a timezone',
  time: 'hh:mm:ss',
  id: '1-64 characters A-Z, a-z, 0-9, - and .',
  code: 'no leading or trailing whitespace, no double spaces',
  oid: 'urn:oid: followed by digits and dots',
  uuid: 'urn:uuid: followed by a lowercase UUID',
  uri: 'no whitespace',
  base64Binary: 'base64 characters only',
};
