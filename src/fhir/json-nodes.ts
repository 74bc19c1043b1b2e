/**
 * Reading the JSON parser's nodes by key, positions kept: the rule modules (Bundle, conformance
 * resources, questionnaires, measures) read resources this way where a plain copy would lose the
 * line and column a finding points at. Plain copies (a resource from the catalog) are read with
 * plainObject(s), which leave out whatever malformed JSON put in an object's place.
 */
import type { JsonNode } from './json-parser.js';

export type JsonObject = JsonNode & { kind: 'object' };

export function prop(o: JsonObject | undefined, key: string): JsonNode | undefined {
  return o?.props.get(key)?.value;
}

export function str(o: JsonObject | undefined, key: string): string | undefined {
  const v = prop(o, key);
  return v?.kind === 'string' ? v.value : undefined;
}

/** A repeating element's items; a single value, as malformed JSON may give, is read as one item. */
export function list(node: JsonNode | undefined): JsonNode[] {
  if (!node) return [];
  return node.kind === 'array' ? node.items : [node];
}

/** The key of an element's value[x] (`valueString`, `valueCoding`…): the first there is. */
export function valueKey(o: JsonObject): string | undefined {
  for (const key of o.props.keys()) if (key.startsWith('value') && key.length > 5) return key;
  return undefined;
}

/** The objects under a key (other values left out). */
export function objects(o: JsonObject | undefined, key: string): JsonObject[] {
  return list(prop(o, key)).filter((n): n is JsonObject => n.kind === 'object');
}

export type Plain = Record<string, unknown>;

export function plainObject(x: unknown): Plain | undefined {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Plain) : undefined;
}

/** The objects of a plain list; anything else (a malformed entry, a list that is none) is left out. */
export function plainObjects(x: unknown): Plain[] {
  return Array.isArray(x) ? x.filter((e): e is Plain => plainObject(e) !== undefined) : [];
}
