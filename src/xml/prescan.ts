import type { Finding } from '../core/finding.js';
import { syntaxFinding } from '../core/rule-catalogue.js';
import { SourceMap } from './source-map.js';

export interface PrescanLimits {
  maxBytes: number;
  maxDepth: number;
}

export interface PrescanResult {
  /** A finding that stops processing: the document is not handed to the XML parser. */
  fatal?: Finding;
  map: SourceMap;
}

const ENCODINGS: Record<string, 'utf-8' | 'iso-8859-1' | 'us-ascii'> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'iso-8859-1': 'iso-8859-1',
  iso_8859_1: 'iso-8859-1',
  'iso_8859-1': 'iso-8859-1',
  'iso8859-1': 'iso-8859-1',
  latin1: 'iso-8859-1',
  'latin-1': 'iso-8859-1',
  'us-ascii': 'us-ascii',
  ascii: 'us-ascii',
};

function startsWithAscii(b: Uint8Array, i: number, s: string): boolean {
  if (i + s.length > b.length) return false;
  for (let k = 0; k < s.length; k++) if (b[i + k] !== s.charCodeAt(k)) return false;
  return true;
}

function indexOfAscii(b: Uint8Array, from: number, s: string): number {
  const first = s.charCodeAt(0);
  for (let i = b.indexOf(first, from); i >= 0; i = b.indexOf(first, i + 1)) {
    if (startsWithAscii(b, i, s)) return i;
  }
  return -1;
}

/** Offset of the first byte that breaks UTF-8 (overlongs, surrogates and > U+10FFFF included), or -1. */
export function firstInvalidUtf8(b: Uint8Array, from = 0): number {
  let i = from;
  const n = b.length;
  while (i < n) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    if (i + need >= n) return i;
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const cc = b[i + k];
      if ((cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/**
 * Checks a message's bytes before any XML parser sees them: size, encoding, DOCTYPE (refused
 * outright: no DTD, so no entity can ever be expanded or fetched) and nesting depth. On the way it
 * indexes every start tag so that later findings get exact line:column positions.
 */
export function prescan(bytes: Uint8Array, limits: PrescanLimits): PrescanResult {
  const mapFor = (enc: 'utf-8' | 'iso-8859-1') => new SourceMap(bytes, enc);
  if (bytes.length > limits.maxBytes) {
    return {
      map: mapFor('utf-8'),
      fatal: syntaxFinding('SYNTAX-SIZE', `The document is ${bytes.length} bytes; the limit is ${limits.maxBytes} bytes`),
    };
  }
  if (bytes.length === 0) return { map: mapFor('utf-8'), fatal: syntaxFinding('SYNTAX-MALFORMED', 'The document is empty') };
  if ((bytes[0] === 0xfe && bytes[1] === 0xff) || (bytes[0] === 0xff && bytes[1] === 0xfe) || bytes[0] === 0 || bytes[1] === 0) {
    return {
      map: mapFor('utf-8'),
      fatal: syntaxFinding(
        'SYNTAX-ENCODING',
        'UTF-16 and other multi-byte encodings are not accepted; send the message as UTF-8 or ISO-8859-1',
      ),
    };
  }
  const pos = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  let encoding: 'utf-8' | 'iso-8859-1' | 'us-ascii' = 'utf-8';
  if (startsWithAscii(bytes, pos, '<?xml')) {
    const end = indexOfAscii(bytes, pos, '?>');
    const decl = new TextDecoder('latin1').decode(bytes.subarray(pos, end < 0 ? Math.min(bytes.length, pos + 200) : end));
    const m = /encoding\s*=\s*["']([^"']*)["']/.exec(decl);
    if (m) {
      const named = ENCODINGS[m[1].toLowerCase()];
      if (!named) {
        return {
          map: mapFor('utf-8'),
          fatal: syntaxFinding(
            'SYNTAX-ENCODING',
            `The XML declaration names encoding "${m[1]}"; samsvar accepts UTF-8 and ISO-8859-1 (the encodings of KITH messages)`,
            { line: 1, column: pos + m.index + 1 },
          ),
        };
      }
      if (named === 'utf-8' && pos === 3) encoding = 'utf-8';
      else if (pos === 3 && named !== 'utf-8') {
        return {
          map: mapFor('utf-8'),
          fatal: syntaxFinding('SYNTAX-ENCODING', `The document starts with a UTF-8 byte order mark but declares encoding "${m[1]}"`),
        };
      } else encoding = named;
    }
  }
  const map = mapFor(encoding === 'iso-8859-1' ? 'iso-8859-1' : 'utf-8');
  if (encoding === 'utf-8') {
    const bad = firstInvalidUtf8(bytes, pos);
    if (bad >= 0) {
      return {
        map,
        fatal: syntaxFinding(
          'SYNTAX-ENCODING',
          `Byte 0x${bytes[bad].toString(16).padStart(2, '0')} at offset ${bad} is not valid UTF-8; declare encoding="ISO-8859-1" in the XML declaration if the message is Latin-1`,
          map.position(bad),
        ),
      };
    }
  } else if (encoding === 'us-ascii') {
    const bad = bytes.findIndex((c) => c > 0x7f);
    if (bad >= 0)
      return {
        map,
        fatal: syntaxFinding('SYNTAX-ENCODING', `Byte 0x${bytes[bad].toString(16)} at offset ${bad} is not US-ASCII`, map.position(bad)),
      };
  }
  const fatal = indexElements(bytes, pos, map, limits.maxDepth);
  return { map, fatal };
}

/** Offset of the first `<!DOCTYPE` or `<!ENTITY` in `b`, or -1. */
function firstDeclaration(b: Uint8Array): number {
  const doctype = indexOfAscii(b, 0, '<!DOCTYPE');
  const entity = indexOfAscii(b, 0, '<!ENTITY');
  if (doctype < 0) return entity;
  return entity < 0 ? doctype : Math.min(doctype, entity);
}

/** Walks the markup: records each start tag, refuses DOCTYPE and excessive depth. Well-formedness is libxml2's job. */
function indexElements(b: Uint8Array, from: number, map: SourceMap, maxDepth: number): Finding | undefined {
  const stack: number[] = [];
  const n = b.length;
  let i = b.indexOf(0x3c, from);
  while (i >= 0 && i < n) {
    const next = b[i + 1];
    if (next === 0x21 /* ! */) {
      if (startsWithAscii(b, i, '<!--')) {
        const end = indexOfAscii(b, i + 4, '-->');
        if (end < 0) return undefined;
        // A declaration written inside a comment is not one, but a reader that ends comments
        // differently (a downstream parser, a person) could take it for one: refused all the same.
        const hidden = firstDeclaration(b.subarray(i + 4, end));
        if (hidden >= 0) {
          return syntaxFinding(
            'SYNTAX-DOCTYPE',
            'The document has a DOCTYPE or ENTITY declaration inside a comment. Declarations are refused wherever they stand (they enable entity expansion and external fetches); remove it from the comment',
            map.position(i + 4 + hidden),
          );
        }
        i = b.indexOf(0x3c, end + 3);
        continue;
      }
      if (startsWithAscii(b, i, '<![CDATA[')) {
        const end = indexOfAscii(b, i + 9, ']]>');
        if (end < 0) return undefined;
        i = b.indexOf(0x3c, end + 3);
        continue;
      }
      if (startsWithAscii(b, i, '<!DOCTYPE') || startsWithAscii(b, i, '<!ENTITY')) {
        return syntaxFinding(
          'SYNTAX-DOCTYPE',
          'The document contains a DOCTYPE declaration. DTDs and entity declarations are refused (they enable entity expansion and external fetches); KITH messages are defined by XML Schema and never need one',
          map.position(i),
        );
      }
      i = b.indexOf(0x3c, i + 2);
      continue;
    }
    if (next === 0x3f /* ? */) {
      const end = indexOfAscii(b, i + 2, '?>');
      if (end < 0) return undefined;
      i = b.indexOf(0x3c, end + 2);
      continue;
    }
    if (next === 0x2f /* / */) {
      stack.pop();
      const end = b.indexOf(0x3e, i + 2);
      if (end < 0) return undefined;
      i = b.indexOf(0x3c, end + 1);
      continue;
    }
    // A start tag: find its end, skipping quoted attribute values (which may contain '>').
    const idx = map.addElement(i, stack.length ? stack[stack.length - 1] : -1);
    let j = i + 1;
    let quote = 0;
    while (j < n) {
      const c = b[j];
      if (quote) {
        if (c === quote) quote = 0;
      } else if (c === 0x22 || c === 0x27) quote = c;
      else if (c === 0x3e) break;
      else if (c === 0x3c) break; // malformed; the parser will say where
      j++;
    }
    if (j >= n) return undefined;
    if (b[j] === 0x3e && b[j - 1] !== 0x2f) {
      stack.push(idx);
      if (stack.length > maxDepth) {
        return syntaxFinding(
          'SYNTAX-DEPTH',
          `Elements are nested more than ${maxDepth} levels deep; the limit is ${maxDepth}`,
          map.position(i),
        );
      }
    }
    i = b.indexOf(0x3c, j + (b[j] === 0x3c ? 0 : 1));
  }
  return undefined;
}
