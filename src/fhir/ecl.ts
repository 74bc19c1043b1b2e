/**
 * The syntax of SNOMED CT's Expression Constraint Language (ECL 2.x), as a ValueSet's `constraint`
 * filter on http://snomed.info/sct carries it: whether a terminology server could read the
 * expression at all. Meaning (whether the concepts exist) is the server's to judge. Filters in
 * double braces (`{{ term = "…" }}`, history supplements) are taken as a whole, not read.
 */

type Token = {
  kind: 'op' | 'sctid' | 'word' | 'term' | 'string' | 'number' | 'filter' | 'alt' | 'cardinality' | 'fields';
  text: string;
  at: number;
};

/** Longest first, so `<<!` is not read as `<<` and `!`. */
const OPERATORS = [
  '<<!',
  '>>!',
  '!!>',
  '!!<',
  '<<',
  '>>',
  '<!',
  '>!',
  '<=',
  '>=',
  '!=',
  '<',
  '>',
  '=',
  '(',
  ')',
  '{',
  '}',
  ':',
  ',',
  '.',
  '^',
  '*',
  '#',
];
const COMPARISONS = new Set(['=', '!=', '<', '<=', '>', '>=']);
const MAX_NESTING = 64;
const CONSTRAINT_OPERATORS = new Set(['<', '<<', '<!', '<<!', '>', '>>', '>!', '>>!', '!!>', '!!<']);

class EclSyntaxError extends Error {}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const fail = (what: string): never => {
    throw new EclSyntaxError(`${what} at position ${i + 1}`);
  };
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) fail('an unclosed comment');
      i = end + 2;
      continue;
    }
    if (text.startsWith('{{', i)) {
      const end = text.indexOf('}}', i + 2);
      if (end < 0) fail('an unclosed filter {{');
      out.push({ kind: 'filter', text: text.slice(i, end + 2), at: i });
      i = end + 2;
      continue;
    }
    if (c === '[') {
      const card = /^\[\s*\d+\s*\.\.\s*(\d+|\*)\s*\]/.exec(text.slice(i));
      // Otherwise the reference set fields a member-of selects (`^ [referencedComponentId] …`), taken as a whole.
      const end = card ? i + card[0].length : text.indexOf(']', i) + 1;
      if (end <= i) fail('an unclosed [');
      out.push({ kind: card ? 'cardinality' : 'fields', text: text.slice(i, end), at: i });
      i = end;
      continue;
    }
    if (c === '|') {
      const end = text.indexOf('|', i + 1);
      if (end < 0) fail('an unclosed term |');
      out.push({ kind: 'term', text: text.slice(i, end + 1), at: i });
      i = end + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) fail('an unclosed string');
      out.push({ kind: 'string', text: text.slice(i, j + 1), at: i });
      i = j + 1;
      continue;
    }
    const alt = /^[A-Za-z][\w-]*#[^\s|(){}[\],:]+/.exec(text.slice(i));
    if (alt) {
      out.push({ kind: 'alt', text: alt[0], at: i });
      i += alt[0].length;
      continue;
    }
    // A number follows `#` (numeric comparisons); a concept id is an integer of 6 to 18 digits.
    const num = /^[+-]?\d+(\.\d+)?/.exec(text.slice(i));
    if (num && (out.at(-1)?.text === '#' || /[+.-]/.test(num[0]))) {
      out.push({ kind: 'number', text: num[0], at: i });
      i += num[0].length;
      continue;
    }
    const digits = /^\d+/.exec(text.slice(i));
    if (digits) {
      if (digits[0].length < 6 || digits[0].length > 18) fail(`'${digits[0]}' is not a concept id (6 to 18 digits)`);
      out.push({ kind: 'sctid', text: digits[0], at: i });
      i += digits[0].length;
      continue;
    }
    const word = /^[A-Za-z]+/.exec(text.slice(i));
    if (word) {
      out.push({ kind: 'word', text: word[0], at: i });
      i += word[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (!op) fail(`unexpected '${c}'`);
    out.push({ kind: 'op', text: op!, at: i });
    i += op!.length;
  }
  return out;
}

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }

  private is(text: string, offset = 0): boolean {
    return this.peek(offset)?.kind === 'op' && this.peek(offset)!.text === text;
  }

  private isWord(...words: string[]): boolean {
    const t = this.peek();
    return t?.kind === 'word' && words.includes(t.text.toLowerCase());
  }

  private fail(expected: string): never {
    const t = this.peek();
    const found = t && (t.text.length > 40 ? `${t.text.slice(0, 37)}...` : t.text);
    throw new EclSyntaxError(t ? `expected ${expected} at position ${t.at + 1}, found '${found}'` : `expected ${expected} at the end`);
  }

  private expect(text: string): void {
    if (!this.is(text)) this.fail(`'${text}'`);
    this.i++;
  }

  parse(): void {
    this.expression();
    if (this.peek()) this.fail('the end of the expression');
  }

  private expression(): void {
    this.subExpression();
    if (this.is(':')) {
      this.i++;
      this.refinement();
      return;
    }
    if (this.is('.')) {
      while (this.is('.')) {
        this.i++;
        this.subExpression();
      }
      return;
    }
    // AND and OR are not mixed without parentheses; MINUS takes exactly two operands.
    const joiner = this.is(',') || this.isWord('and') ? 'and' : this.isWord('or') ? 'or' : this.isWord('minus') ? 'minus' : undefined;
    if (!joiner) return;
    do {
      this.i++;
      this.subExpression();
    } while (joiner !== 'minus' && (joiner === 'and' ? this.is(',') || this.isWord('and') : this.isWord('or')));
    if (this.is(',') || this.isWord('and', 'or', 'minus')) this.fail('parentheses around a mix of AND, OR and MINUS');
  }

  private subExpression(): void {
    if (this.peek()?.kind === 'op' && CONSTRAINT_OPERATORS.has(this.peek()!.text)) this.i++;
    if (this.is('^')) {
      this.i++;
      if (this.peek()?.kind === 'fields') this.i++;
    }
    const t = this.peek();
    if (this.is('(')) {
      this.nested(() => {
        this.i++;
        this.expression();
        this.expect(')');
      });
    } else if (this.is('*') || t?.kind === 'alt') {
      this.i++;
    } else if (t?.kind === 'sctid') {
      this.i++;
      if (this.peek()?.kind === 'term') this.i++;
    } else {
      this.fail('a concept id, * or (');
    }
    while (this.peek()?.kind === 'filter') this.i++;
  }

  private refinement(): void {
    this.subRefinement();
    const joiner = this.is(',') || this.isWord('and') ? 'and' : this.isWord('or') ? 'or' : undefined;
    if (!joiner) return;
    while (joiner === 'and' ? this.is(',') || this.isWord('and') : this.isWord('or')) {
      this.i++;
      this.subRefinement();
    }
    if (this.is(',') || this.isWord('and', 'or')) this.fail('parentheses around a mix of AND and OR');
  }

  private subRefinement(): void {
    // Either a parenthesised refinement or an attribute whose name is a parenthesised expression: the
    // token after the closing parenthesis tells (a comparison follows a name), without backtracking.
    if (this.is('(') && !COMPARISONS.has(this.afterClosing() ?? '')) {
      this.nested(() => {
        this.i++;
        this.refinement();
        this.expect(')');
      });
      return;
    }
    if (this.peek()?.kind === 'cardinality' && this.is('{', 1)) {
      this.i++;
      this.group();
      return;
    }
    if (this.is('{')) {
      this.group();
      return;
    }
    this.attribute();
  }

  /** The text of the token after the parenthesis that closes the one at the current token. */
  private afterClosing(): string | undefined {
    let depth = 0;
    for (let j = this.i; j < this.tokens.length; j++) {
      if (this.is('(', j - this.i)) depth++;
      else if (this.is(')', j - this.i) && --depth === 0) return this.tokens[j + 1]?.text;
    }
    return undefined;
  }

  /** Parentheses, braces and groups nest at most MAX_NESTING deep: the parser recurses, and the text comes from outside. */
  private nested(parse: () => void): void {
    if (++this.depth > MAX_NESTING) throw new EclSyntaxError(`the expression nests more than ${MAX_NESTING} levels deep`);
    try {
      parse();
    } finally {
      this.depth--;
    }
  }

  private group(): void {
    this.nested(() => {
      this.expect('{');
      this.refinement();
      this.expect('}');
    });
  }

  private attribute(): void {
    if (this.peek()?.kind === 'cardinality') this.i++;
    if (this.isWord('r')) this.i++;
    this.subExpression();
    const op = this.peek();
    if (!op || op.kind !== 'op' || !COMPARISONS.has(op.text)) this.fail('a comparison (=, !=, <, <=, >, >=)');
    this.i++;
    if (this.is('#')) {
      this.i++;
      if (this.peek()?.kind !== 'number' && this.peek()?.kind !== 'sctid') this.fail('a number after #');
      this.i++;
    } else if (this.peek()?.kind === 'string' || this.isWord('true', 'false')) {
      if (op.text !== '=' && op.text !== '!=') this.fail('= or != before a string or boolean');
      this.i++;
    } else {
      if (op.text !== '=' && op.text !== '!=') this.fail('# and a number after a numeric comparison');
      this.subExpression();
    }
  }
}

/** Why a text is not an ECL expression constraint, or undefined when it is one. */
export function eclSyntaxProblem(text: string): string | undefined {
  try {
    const tokens = tokenize(text);
    if (!tokens.length) return 'the expression is empty';
    new Parser(tokens).parse();
    return undefined;
  } catch (e) {
    if (e instanceof EclSyntaxError) return e.message;
    throw e;
  }
}
