import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { buildDeclaration } from '../../src/declarations/build-declaration.js';
import { atomFeed, jsonFeed, type FeedItem } from '../../src/registry/feed.js';
import { nextEntry, type LogEntry } from '../../src/transparency/log-chain.js';
import { ISSUER, ISSUANCE, passedRun } from '../declarations/fixtures.js';

const hostile = buildDeclaration(
  passedRun({ manufacturer: { name: 'Ond <script>alert(1)</script> & Co', organisasjonsnummer: '974760673' } }),
  {
    issuer: ISSUER,
    issuance: ISSUANCE,
    kid: 'k',
    now: new Date('2026-01-01T00:00:00Z'),
    id: 'd1',
  },
);

function items(): FeedItem[] {
  const e1 = nextEntry(undefined, { type: 'issued', declarationId: 'd1', subjectSha256: 'a'.repeat(64) }, new Date('2026-01-01T00:00:00Z'));
  const e2: LogEntry = nextEntry(
    e1,
    { type: 'revoked', declarationId: 'd1', subjectSha256: 'b'.repeat(64), detail: 'stikkprøve feilet' },
    new Date('2026-02-01T00:00:00Z'),
  );
  return [
    { entry: e1, declaration: hostile },
    { entry: e2, declaration: hostile, cause: { kind: 'revoked', at: e2.at, by: 'Forvalter', reason: 'stikkprøve feilet' } },
  ];
}

describe('the registry change feed', () => {
  it('is well-formed Atom, newest first, one entry per issuance and status change, with hostile text escaped', () => {
    const xml = atomFeed(items(), 'https://samsvar.test', new Date('2026-03-01T00:00:00Z'));
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).not.toContain('<script>');
    const feed = new XMLParser({ ignoreAttributes: false }).parse(xml).feed;
    expect(feed.updated).toBe('2026-02-01T00:00:00.000Z');
    expect(feed.entry.map((e: { category: { '@_term': string } }) => e.category['@_term'])).toEqual(['revoked', 'issued']);
    expect(feed.entry[0].title).toBe('Egenerklæring tilbakekalt: OmsorgsJournal 5.2.0 (Ond <script>alert(1)</script> & Co)');
    expect(feed.entry[0].summary).toContain('Tilbakekalt 1. februar 2026 av Forvalter. Begrunnelse: stikkprøve feilet');
    expect(feed.entry[0].id).toBe('https://samsvar.test/api/v1/log/2');
  });

  it('is JSON Feed 1.1 with the event for machines', () => {
    const feed = jsonFeed(items(), 'https://samsvar.test');
    expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
    expect(feed.items.map((i) => i._samsvar.event)).toEqual(['revoked', 'issued']);
    expect(feed.items[1]).toMatchObject({
      url: 'https://samsvar.test/api/v1/declarations/d1.html',
      date_published: '2026-01-01T00:00:00.000Z',
    });
  });

  it('gives each reason in bokmål from data, as the pages word it, and never the English detail the log keeps', () => {
    const at = (day: number) => new Date(`2026-03-0${day}T10:00:00Z`);
    const log: Array<[Omit<LogEntry, 'seq' | 'at' | 'prev' | 'hash'>, FeedItem['cause']]> = [
      [
        {
          type: 'expired',
          declarationId: 'd1',
          subjectSha256: 'a'.repeat(64),
          detail: 'expired: the content of profile version p 1.0 changed since it was tested',
        },
        { kind: 'content-changed', profiles: ['p 1.0'] },
      ],
      [
        { type: 'superseded', declarationId: 'd1', subjectSha256: 'a'.repeat(64), detail: 'superseded by egn-ny' },
        { kind: 'superseded', by: 'egn-ny' },
      ],
      [
        {
          type: 'revoked',
          declarationId: 'd1',
          subjectSha256: 'a'.repeat(64),
          detail: 'spot check sc-9 was not answered by its deadline x',
        },
        {
          kind: 'revoked',
          at: '2026-03-03T10:00:00Z',
          by: 'stikkprøve',
          reason: 'spot check sc-9 was not answered by its deadline x',
          spotCheck: { kind: 'unanswered', id: 'sc-9', deadline: '2026-03-02T10:00:00Z' },
        },
      ],
      [{ type: 'countersigned', declarationId: 'd1', subjectSha256: 'a'.repeat(64), detail: 'lab:Testlab AS' }, undefined],
      // Logged before causes were kept: no reason rather than an English one.
      [{ type: 'expired', declarationId: 'd1', subjectSha256: 'a'.repeat(64), detail: 'expired on 2026-03-05' }, undefined],
    ];
    let prev: LogEntry | undefined;
    const feedItems = log.map(([event, cause], i): FeedItem => {
      prev = nextEntry(prev, event, at(i + 1));
      return { entry: prev, declaration: hostile, ...(cause ? { cause } : {}) };
    });
    const summaries = jsonFeed(feedItems, 'https://samsvar.test').items.map((i) =>
      i.content_text.replace(/^Profiler: .*\((?:sender|mottar)\)\.\s?/, ''),
    );
    expect(summaries).toEqual([
      '',
      'Bekreftet av Testlab AS (testlaboratorium).',
      'Tilbakekalt 3. mars 2026 av stikkprøve. Begrunnelse: stikkprøve sc-9 ble ikke besvart innen fristen 2. mars 2026.',
      'Erstattet av nyere erklæring (egn-ny).',
      'Utløpt fordi innholdet i profilversjonen p 1.0 er endret etter at systemet ble testet.',
    ]);
    const atom = new XMLParser().parse(atomFeed(feedItems, 'https://samsvar.test', new Date())).feed;
    for (const e of atom.entry as Array<{ summary: string }>) expect(e.summary).not.toMatch(/expired|superseded|spot check|lab:/);
  });

  it('is a valid empty feed when nothing happened yet', () => {
    expect(XMLValidator.validate(atomFeed([], 'https://samsvar.test', new Date()))).toBe(true);
    expect(jsonFeed([], 'https://samsvar.test').items).toEqual([]);
  });
});

describe('the Atom feed with characters XML 1.0 cannot carry', () => {
  it('stays well-formed for a strict XML parser when a vendor names its system with control characters', async () => {
    const { XmlDocument } = await import('libxml2-wasm');
    const named = buildDeclaration(passedRun({ product: { name: 'Journal\u0001\u001b[31m\uFFFE', version: '1\u0008.0' } }), {
      issuer: ISSUER,
      issuance: ISSUANCE,
      kid: 'k',
      now: new Date('2026-01-01T00:00:00Z'),
      id: 'd2',
    });
    const entry = nextEntry(
      undefined,
      { type: 'revoked', declarationId: 'd2', subjectSha256: 'a'.repeat(64), detail: 'grunn\u0000med nulltegn' },
      new Date('2026-01-01T00:00:00Z'),
    );
    const cause = { kind: 'withdrawn' as const, at: entry.at, reason: 'grunn\u0000med nulltegn' };
    const xml = atomFeed([{ entry, declaration: named, cause }], 'https://samsvar.test', new Date('2026-03-01T00:00:00Z'));
    const doc = XmlDocument.fromString(xml);
    doc.dispose();
    expect(xml).toContain('Journal\uFFFD\uFFFD[31m\uFFFD 1\uFFFD.0');
    expect(xml).toContain('grunn\uFFFDmed nulltegn');
  });
});
