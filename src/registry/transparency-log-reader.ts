import { GENESIS_HASH, signHead, type LogEntry } from '../transparency/log-chain.js';
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
    await this.registry.entries(); // log any pending status change before showing the log
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

  async feedItems(limit = 200): Promise<FeedItem[]> {
    const entries = await this.registry.entries();
    const byId = new Map(entries.map((e) => [e.declaration.id, e.declaration]));
    return (await this.deps.store.recentLog(limit)).flatMap((entry) => {
      const declaration = byId.get(entry.declarationId);
      return declaration ? [{ entry, declaration }] : [];
    });
  }
}
