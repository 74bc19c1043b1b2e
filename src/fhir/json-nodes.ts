/**
 * Reading the JSON parser's nodes by key, positions kept: the rule modules (Bundle, conformance
 * resources, questionnaires) read resources this way where a plain copy would lose the line and
 * column a finding points at.
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

/** The objects under a key (other values left out). */
export function objects(o: JsonObject | undefined, key: string): JsonObject[] {
  return list(prop(o, key)).filter((n): n is JsonObject => n.kind === 'object');
}
