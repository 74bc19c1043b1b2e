import { sql, type Kysely, type Transaction } from 'kysely';

/** Writes one group commit holds at most: a bound on the time a transaction keeps the database's write lock. */
const MAX_GROUP = 64;

interface Waiting<W> {
  write: W;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Group commit: writes that arrive while the database is busy are written together in one
 * transaction, so they share one COMMIT (on SQLite with synchronous=FULL one fsync of the WAL, on
 * PostgreSQL one flush of its WAL) instead of paying for one each. Each write still resolves only
 * after that COMMIT has returned, so whoever acknowledges it has it on disk, and each is its own
 * unit inside the transaction (a savepoint): a write that fails (a unique constraint, say) is undone
 * and rejected alone, the others commit.
 */
export class GroupCommit<T, W> {
  private waiting: Waiting<W>[] = [];
  private draining = false;

  constructor(
    private readonly db: Kysely<T>,
    private readonly apply: (trx: Transaction<T>, write: W) => Promise<void>,
  ) {}

  /** Resolves once `write` is committed; rejects with its own error, or the transaction's. */
  write(write: W): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ write, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        // Writes of requests answered in the same turn of the event loop join this group.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) await this.commit(this.waiting.splice(0, MAX_GROUP));
    } finally {
      this.draining = false;
    }
  }

  private async commit(group: Waiting<W>[]): Promise<void> {
    const failed = new Map<Waiting<W>, unknown>();
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const w of group) {
          if (group.length === 1) {
            await this.apply(trx, w.write);
            continue;
          }
          await sql`savepoint group_write`.execute(trx);
          try {
            await this.apply(trx, w.write);
          } catch (e) {
            // Undo this write only; if even that fails (the database ended the transaction), the group fails with its error.
            await sql`rollback to savepoint group_write`.execute(trx).catch(() => {
              throw e;
            });
            failed.set(w, e);
          }
          await sql`release savepoint group_write`.execute(trx);
        }
      });
    } catch (e) {
      for (const w of group) w.reject(failed.get(w) ?? e);
      return;
    }
    for (const w of group) {
      if (failed.has(w)) w.reject(failed.get(w));
      else w.resolve();
    }
  }
}
