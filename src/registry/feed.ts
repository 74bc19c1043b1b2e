import type { DeclarationContent, DeclarationStatus } from '../declarations/declaration.js';
import { confirmedByNb, statusLineNb } from '../declarations/render/labels-nb.js';
import type { StatusCause } from '../declarations/status.js';
import type { LogEntry, LogEventType } from '../transparency/log-chain.js';
import { xmlText as xml } from '../core/xml-text.js';
import { parseConfirmedBy } from './confirmed-by.js';

/**
 * One feed item: a log entry, the declaration it concerns and, for a status change, why as data
 * (the entry's detail is the API's English reason). Feeds are derived from the log, newest first.
 */
export interface FeedItem {
  entry: LogEntry;
  declaration: DeclarationContent;
  cause?: StatusCause;
}

/** The status a logged change led to, for the changes a cause explains. */
const STATUS_AFTER: Partial<Record<LogEventType, DeclarationStatus>> = {
  revoked: 'revoked',
  withdrawn: 'revoked',
  expired: 'expired',
  superseded: 'superseded',
};

const EVENT_TITLE_NB: Record<LogEventType, string> = {
  issued: 'Egenerklæring utstedt',
  countersigned: 'Egenerklæring bekreftet av testlaboratorium (nivå C)',
  revoked: 'Egenerklæring tilbakekalt',
  withdrawn: 'Egenerklæring trukket tilbake av produsenten',
  reinstated: 'Egenerklæring gjeldende igjen',
  key_rotated: 'Ordningens signeringsnøkkel byttet',
  superseded: 'Egenerklæring erstattet',
  expired: 'Egenerklæring utløpt',
};

function itemTitle(i: FeedItem): string {
  const d = i.declaration;
  const level = d.assuranceLevel === 'A' ? ', nivå A – egenerklært, ikke testet' : '';
  return `${EVENT_TITLE_NB[i.entry.type]}: ${d.product.name} ${d.product.version} (${d.manufacturer.name}${level})`;
}

/**
 * Why, in bokmål, from data: a status change's cause, a countersignature's laboratory (its detail
 * is `role:name`, confirmed-by.ts). The English detail is never shown; without data the item gives no reason.
 */
function itemReason(i: FeedItem): string {
  const status = STATUS_AFTER[i.entry.type];
  if (status && i.cause) return statusLineNb({ status, cause: i.cause });
  const confirmed = i.entry.type === 'countersigned' ? parseConfirmedBy(i.entry.detail ?? '') : undefined;
  if (confirmed?.name) return `Bekreftet av ${confirmedByNb(confirmed)}.`;
  return '';
}

function itemSummary(i: FeedItem): string {
  const d = i.declaration;
  const profiles = d.conformsTo.map((p) => `${p.profile} ${p.version} (${p.direction === 'send' ? 'sender' : 'mottar'})`).join(', ');
  return [`Profiler: ${profiles}.`, itemReason(i)].filter(Boolean).join(' ');
}

const itemId = (baseUrl: string, e: LogEntry) => `${baseUrl}/api/v1/log/${e.seq}`;
const declarationUrl = (baseUrl: string, id: string) => `${baseUrl}/api/v1/declarations/${encodeURIComponent(id)}`;

function newestFirst(items: readonly FeedItem[]): FeedItem[] {
  return [...items].sort((a, b) => b.entry.seq - a.entry.seq);
}

export function atomFeed(items: readonly FeedItem[], baseUrl: string, now: Date): string {
  const sorted = newestFirst(items);
  const updated = sorted[0]?.entry.at ?? now.toISOString();
  const entries = sorted.map((i) => {
    const link = declarationUrl(baseUrl, i.declaration.id);
    return [
      '  <entry>',
      `    <id>${xml(itemId(baseUrl, i.entry))}</id>`,
      `    <title>${xml(itemTitle(i))}</title>`,
      `    <updated>${xml(i.entry.at)}</updated>`,
      `    <category term="${xml(i.entry.type)}"/>`,
      `    <link rel="alternate" type="text/html" href="${xml(`${link}.html`)}"/>`,
      `    <link rel="related" type="application/json" href="${xml(link)}"/>`,
      `    <summary>${xml(itemSummary(i))}</summary>`,
      '  </entry>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="nb">',
    `  <id>${xml(`${baseUrl}/api/v1/registry/feed`)}</id>`,
    '  <title>samsvar: endringer i registeret over egenerklæringer</title>',
    `  <updated>${xml(updated)}</updated>`,
    `  <link rel="self" type="application/atom+xml" href="${xml(`${baseUrl}/api/v1/registry/feed`)}"/>`,
    `  <link rel="alternate" type="application/json" href="${xml(`${baseUrl}/api/v1/registry`)}"/>`,
    ...entries,
    '</feed>',
    '',
  ].join('\n');
}

/** JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/), with the event in `_samsvar` for machines. */
export function jsonFeed(items: readonly FeedItem[], baseUrl: string) {
  return {
    version: 'https://jsonfeed.org/version/1.1',
    title: 'samsvar: endringer i registeret over egenerklæringer',
    home_page_url: `${baseUrl}/api/v1/registry`,
    feed_url: `${baseUrl}/api/v1/registry/feed.json`,
    language: 'nb',
    items: newestFirst(items).map((i) => ({
      id: itemId(baseUrl, i.entry),
      url: `${declarationUrl(baseUrl, i.declaration.id)}.html`,
      title: itemTitle(i),
      content_text: itemSummary(i),
      date_published: i.entry.at,
      tags: [i.entry.type],
      _samsvar: { event: i.entry.type, declarationId: i.declaration.id, seq: i.entry.seq, hash: i.entry.hash, detail: i.entry.detail },
    })),
  };
}
