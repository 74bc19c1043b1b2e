import { GENESIS_HASH, signHead, type LogEntry } from '../transparency/log-chain.js';
import { revocationCause } from '../declarations/status.js';
import type { FeedItem } from './feed.js';
import { DeclarationPart, notFound, type DeclarationContext } from './declaration-part.js';
import type { DeclarationRegistry } from './declaration-registry.js';

/** The transparency log as pages and single entries, and the feeds over it. */
export class TransparencyLogReader extends DeclarationPart {
  constructor(
    ctx: DeclarationContext,
    private readonly registry: DeclarationRegistry,
  ) {
    super(ctx);
  }

  /** A page of the log with a freshly signed head; the head is read first, so it never covers less than the page. */
  async logPage(after: number, limit: number): Promise<{ entries: LogEntry[]; head: { jws: string; size: number; hash: string } }> {
    await this.registry.sweep(); // log the status changes due by now before showing the log
    const last = await this.deps.store.lastLogEntry();
    const size = last?.seq ?? 0;
    const hash = last?.hash ?? GENESIS_HASH;
    const jws = await signHead({ size, lastHash: hash }, (await this.keys.ring()).current, this.now());
    const entries = (await this.deps.store.logPage(after, limit)).filter((e) => e.seq <= size);
    return { entries, head: { jws, size, hash } };
  }

  async logEntry(seq: number): Promise<LogEntry> {
    const e = await this.deps.store.logEntry(seq);
    if (!e) throw notFound('log entry', String(seq));
    return e;
  }

  /**
   * The newest log entries with their declarations: one page of the log and the declarations it
   * names, so a feed costs the same however large the registry is. Changes nobody triggered
   * (expiry, supersession) enter the log, and so the feed, when a read or the sweep notices them.
   */
  async feedItems(limit = 200): Promise<FeedItem[]> {
    const log = await this.deps.store.recentLog(limit);
    const [stored, causes] = await Promise.all([
      this.deps.store.declarationsByIds(log.map((e) => e.declarationId).filter(Boolean)),
      this.deps.store.logCauses(log.filter((e) => e.type === 'expired' || e.type === 'superseded').map((e) => e.seq)),
    ]);
    const byId = new Map(stored.map((s) => [s.id, s]));
    return log.flatMap((entry) => {
      const s = byId.get(entry.declarationId);
      if (!s) return [];
      // A declaration is revoked or withdrawn once: its revocation is why.
      const revocation = (entry.type === 'revoked' || entry.type === 'withdrawn') && s.revocation;
      const cause = revocation ? revocationCause(revocation) : causes.get(entry.seq);
      return [{ entry, declaration: s.content, ...(cause ? { cause } : {}) }];
    });
  }
}
