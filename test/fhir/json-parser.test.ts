import { describe, expect, it } from 'vitest';
import { parseJson, toPlain } from '../../src/fhir/json-parser.js';

const enc = (s: string) => new TextEncoder().encode(s);

function parsed(s: string) {
  const r = parseJson(enc(s));
  if (!r.ok) throw new Error(r.finding.message);
  return r.root;
}

function refused(input: string | Uint8Array, limits = {}) {
  const r = parseJson(typeof input === 'string' ? enc(input) : input, limits);
  if (r.ok) throw new Error('expected a syntax finding');
  return r.finding;
}

describe('the positioned JSON parser', () => {
  it('gives the same value as JSON.parse', () => {
    const text = '{"a":[1,2.5,-3e2,true,false,null],"b":{"c":"x\\n\\u00e6\\"y"}}';
    expect(toPlain(parsed(text))).toEqual(JSON.parse(text));
  });

  it('records 1-based line and column of values and keys', () => {
    const root = parsed('{\n  "resourceType": "Patient",\n  "gender": "female"\n}');
    if (root.kind !== 'object') throw new Error('object expected');
    const gender = root.props.get('gender')!;
    expect(gender.keyPos).toEqual({ line: 3, column: 3 });
    expect({ line: gender.value.line, column: gender.value.column }).toEqual({ line: 3, column: 13 });
  });

  it('tolerates a byte order mark', () => {
    expect(toPlain(parsed('\ufeff{"a":1}'))).toEqual({ a: 1 });
  });

  it('refuses duplicate keys and points at the second one', () => {
    const f = refused('{"id":"a",\n "id":"b"}');
    expect(f.ruleId).toBe('SYNTAX-JSON-DUPLICATE-KEY');
    expect(f.layer).toBe('syntax');
    expect(f.message).toContain('"id"');
    expect(f.line).toBe(2);
  });

  it('refuses nesting deeper than the limit without exhausting the stack', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(refused(deep).ruleId).toBe('SYNTAX-DEPTH');
    expect(refused('[[[1]]]', { maxDepth: 2 }).ruleId).toBe('SYNTAX-DEPTH');
    expect(parseJson(enc('[[1]]'), { maxDepth: 2 }).ok).toBe(true);
  });

  it('refuses oversized input before reading it', () => {
    const f = refused('{"a":"' + 'x'.repeat(100) + '"}', { maxBytes: 50 });
    expect(f.ruleId).toBe('SYNTAX-SIZE');
    expect(f.message).toContain('50');
  });

  it('refuses invalid UTF-8 and says where', () => {
    const bad = new Uint8Array([...enc('{\n"a":"'), 0xc3, 0x28, ...enc('"}')]);
    const f = refused(bad);
    expect(f.ruleId).toBe('SYNTAX-ENCODING');
    expect(f.line).toBe(2);
  });

  it.each([
    ['{"a":1,}', 'Expected a property name'],
    ['{"a" 1}', "Expected ':'"],
    ["{'a':1}", 'property name in double quotes'],
    ['{"a":01}', "Expected ',' or '}'"],
    ['{"a":"tab\there"}', 'control character'],
    ['{"a":1} x', 'after the end'],
    ['', 'empty'],
    ['{"a":"\\x"}', 'Invalid escape'],
    ['{"a":tru}', 'Expected a JSON value'],
  ])('refuses %s with a clear SYNTAX-JSON message', (text, message) => {
    const f = refused(text);
    expect(f.ruleId).toBe('SYNTAX-JSON');
    expect(f.message).toContain(message);
    expect(f.line).toBe(1);
  });
});

describe('plain values for the FHIRPath engine', () => {
  it('keeps a "__proto__" key an own property, as JSON.parse does, without touching the prototype', () => {
    const plain = toPlain(parsed('{"__proto__":{"admin":true}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
    expect(Object.keys(plain)).toEqual(['__proto__']);
    expect((plain as { admin?: boolean }).admin).toBeUndefined();
  });
});
