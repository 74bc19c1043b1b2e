import { describe, expect, it } from 'vitest';
import { eclSyntaxProblem } from '../../src/fhir/ecl.js';

describe('SNOMED CT expression constraints (ECL)', () => {
  it.each([
    ['a concept with its descendants and a term', '< 404684003 |Clinical finding|'],
    ['an exclusion', '<< 73211009 |Diabetes mellitus| MINUS << 46635009'],
    ['a refinement', '< 19829001 |Disorder of lung| : 116676008 |Associated morphology| = << 79654002 |Edema|'],
    ['an attribute group', '< 404684003 : { 363698007 = << 39057004, 116676008 = << 415582006 }'],
    ['members of a reference set', '^ 700043003 |Example problem list concepts reference set|'],
    ['a cardinality', '< 27658006 : [1..3] 127489000 = < 105590001'],
    ['parentheses around a disjunction', '(< 19829001 OR < 301867009) AND < 404684003'],
    ['a dotted attribute', '< 404684003 . 363698007'],
    ['numeric values', '< 373873005 : 1142139005 >= #2.5'],
    ['any concept', '*'],
    ['a description filter', '< 64572001 {{ term = "heart" }}'],
    ['a reversed attribute', '< 91723000 : R 363698007 = < 125605004'],
    ['a group that must be absent', '< 404684003 : [0..0] { 363698007 = *, 116676008 = * }'],
    ['a conjunction by comma', '< 404684003 , < 123037004'],
    ['a disjunction of refinements', '< 404684003 : (363698007 = << 39057004 OR 116676008 = << 415582006)'],
    ['a comment', '/* lungesykdom */ << 19829001'],
    ['an attribute named by a parenthesised expression', '< 404684003 : (<< 363698007 OR << 116676008) = << 79654002'],
    ['refinements nested in parentheses', '< 404684003 : ((363698007 = << 39057004))'],
    ['a strict child', '<! 404684003'],
    ['an alternate identifier', 'LOINC#54486-6'],
  ])('reads %s', (_, ecl) => {
    expect(eclSyntaxProblem(ecl)).toBeUndefined();
  });

  it.each([
    ['two concepts side by side', '234234 << 234234', 'expected the end of the expression at position 8'],
    ['a missing concept', '< AND 123456', 'expected a concept id, * or ( at position 3'],
    ['an open parenthesis', '(< 123456', "expected ')' at the end"],
    ['AND and OR mixed without parentheses', '< 123456 AND 234567 OR 345678', 'parentheses around a mix of AND, OR and MINUS'],
    ['a number too short for a concept id', '< 12', "'12' is not a concept id (6 to 18 digits)"],
    ['a refinement without an attribute', '< 123456 : = << 234567', 'expected a concept id'],
    ['a numeric comparison without a number', '< 123456 : 234567 > 345678', 'expected # and a number'],
    ['nothing', '  ', 'the expression is empty'],
    [
      'parentheses nested 100,000 deep (it would exhaust the stack)',
      `${'('.repeat(100_000)}123456${')'.repeat(100_000)}`,
      'nests more than 64 levels',
    ],
    ['attribute groups nested too deep', `< 123456 : ${'{ '.repeat(70)}234567 = 345678${' }'.repeat(70)}`, 'nests more than 64 levels'],
  ])('refuses %s', (_, ecl, why) => {
    expect(eclSyntaxProblem(ecl)).toContain(why);
  });
});
