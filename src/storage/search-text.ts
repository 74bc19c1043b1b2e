/** What of a declaration's signed content it is found by. */
export interface Searchable {
  id: string;
  manufacturer: { name: string; organisasjonsnummer: string };
  product: { name: string; version: string };
  conformsTo: ReadonlyArray<{ profile: string; title: string }>;
}

/** Text as the registry compares it: NFKC, lower case as in bokmål, so "ØYA" finds "Øya". */
export const fold = (s: string): string => s.normalize('NFKC').toLocaleLowerCase('nb');

/**
 * The folded texts a declaration is found by, stored with it (migration 0600) so the database
 * filters and pages a search: the vendor's name, the system's name, and the free text over id,
 * vendor, organisasjonsnummer, system, version and profiles (ids and titles), words apart.
 */
export function searchColumns(d: Searchable): { vendor_folded: string; system_folded: string; search_text: string } {
  const text = [
    d.id,
    d.manufacturer.name,
    d.manufacturer.organisasjonsnummer,
    d.product.name,
    d.product.version,
    ...d.conformsTo.flatMap((p) => [p.profile, p.title]),
  ].join(' ');
  return { vendor_folded: fold(d.manufacturer.name), system_folded: fold(d.product.name), search_text: fold(text) };
}

/** A LIKE pattern that finds `needle` anywhere, its own % and _ taken literally (escape character \). */
export function containsPattern(needle: string): string {
  return `%${needle.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
}

/** A folded search term and the columns of the SQLite trigram index (migration 0900) it may occur in. */
export interface TrigramTerm {
  columns: ReadonlyArray<'vendor' | 'system' | 'text'>;
  needle: string;
}

/**
 * The FTS5 query that finds the declarations containing every term, or undefined when no term has a
 * trigram to look up (fewer than three characters). Each term is a phrase of its overlapping
 * trigrams, which occur in a row exactly where the term does; FTS5 folds case beyond what the
 * columns hold, so this finds a superset of what the LIKE matches, and the LIKE decides. An FTS5
 * query string ends at NUL, so a term is looked up by its parts between NULs.
 */
export function trigramQuery(terms: readonly TrigramTerm[]): string | undefined {
  const phrases = terms.flatMap((t) =>
    t.needle
      .split('\u0000')
      .filter((part) => [...part].length >= 3)
      .map((part) => `{${t.columns.join(' ')}} : "${part.replaceAll('"', '""')}"`),
  );
  return phrases.length > 0 ? phrases.join(' AND ') : undefined;
}
