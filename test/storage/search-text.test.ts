import { describe, expect, it } from 'vitest';
import { trigramQuery } from '../../src/storage/search-text.js';

describe('the SQLite trigram lookup of a registry search', () => {
  it('looks each term up as a phrase in its columns, all of them required', () => {
    expect(
      trigramQuery([
        { columns: ['vendor', 'text'], needle: 'fjord' },
        { columns: ['text'], needle: '9.0' },
      ]),
    ).toBe('{vendor text} : "fjord" AND {text} : "9.0"');
  });

  it('takes query syntax in a term literally: quotes doubled inside the phrase', () => {
    expect(trigramQuery([{ columns: ['system'], needle: 'a"b OR *c' }])).toBe('{system} : "a""b OR *c"');
  });

  it('leaves out terms of fewer than three characters, which have no trigram, and looks up nothing without a longer one', () => {
    expect(
      trigramQuery([
        { columns: ['text'], needle: 'as' },
        { columns: ['text'], needle: 'øya' },
      ]),
    ).toBe('{text} : "øya"');
    expect(trigramQuery([{ columns: ['text'], needle: 'as' }])).toBeUndefined();
    expect(trigramQuery([])).toBeUndefined();
  });

  it('looks a term with NUL up by its parts, since an FTS5 query ends at NUL', () => {
    expect(trigramQuery([{ columns: ['text'], needle: 'ab\u0000cdef\u0000gh' }])).toBe('{text} : "cdef"');
    expect(trigramQuery([{ columns: ['text'], needle: '\u0000\u0000\u0000' }])).toBeUndefined();
  });
});
