/**
 * The functions libxml2 evaluates in an XPath 1.0 expression: the core library, and the node-type
 * tests written like calls. Anything else (XSLT's document(), current(), key(), XPath 2.0's
 * matches(), an extension function) compiles, because libxml2 resolves function names only when it
 * evaluates them; it would then fail on every message. So a profile naming one is refused up front.
 */
const XPATH1_FUNCTIONS = new Set([
  'last',
  'position',
  'count',
  'id',
  'local-name',
  'namespace-uri',
  'name',
  'string',
  'concat',
  'starts-with',
  'contains',
  'substring-before',
  'substring-after',
  'substring',
  'string-length',
  'normalize-space',
  'translate',
  'boolean',
  'not',
  'true',
  'false',
  'lang',
  'number',
  'sum',
  'floor',
  'ceiling',
  'round',
]);
const NODE_TYPES = new Set(['node', 'text', 'comment', 'processing-instruction']);
/** Operator names a parenthesis may follow ("a and (b or c)"); XPath 1.0 has no functions by these names. */
const OPERATOR_NAMES = new Set(['and', 'or', 'div', 'mod']);

/** The names of the functions an expression calls that XPath 1.0 (as libxml2 evaluates it) does not have. */
export function unsupportedXPathFunctions(expr: string): string[] {
  const withoutLiterals = expr.replace(/"[^"]*"|'[^']*'/g, '""');
  const found = new Set<string>();
  for (const m of withoutLiterals.matchAll(/(?<![\w$@])([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)\s*\(/g)) {
    const name = m[1]!;
    if (XPATH1_FUNCTIONS.has(name) || NODE_TYPES.has(name) || OPERATOR_NAMES.has(name)) continue;
    found.add(name);
  }
  return [...found];
}
