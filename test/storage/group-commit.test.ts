import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/storage/database.js';
import { GroupCommit } from '../../src/storage/group-commit.js';
import { dialectsUnderTest, type TestDatabase } from '../support/databases.js';

interface Tables {
  gc_items: { id: string };
  gc_notes: { id: string };
}

for (const dialect of dialectsUnderTest()) {
  describe(`group commit on ${dialect.name}`, () => {
    let testDb: TestDatabase;
    let database: Database;
    let db: Kysely<Tables>;
    beforeAll(async () => {
      testDb = await dialect.create();
      database = await openDatabase(testDb.config);
      db = database.db as unknown as Kysely<Tables>;
      await sql`create table gc_items (id varchar(40) primary key)`.execute(db);
      await sql`create table gc_notes (id varchar(40) not null)`.execute(db);
    });
    afterAll(async () => {
      await database?.close();
      await testDb?.drop();
    });

    /** A write of two rows: a note (no constraint), then the item (unique id). */
    const group = () =>
      new GroupCommit<Tables, string>(db, async (trx, id) => {
        await trx.insertInto('gc_notes').values({ id }).execute();
        await trx.insertInto('gc_items').values({ id }).execute();
      });
    const count = async () => Number((await sql<{ n: number }>`select count(*) as n from gc_items`.execute(db)).rows[0]!.n);

    it('writes that arrive together share one transaction, and each resolves only once it is committed', async () => {
      const g = group();
      let transactions = 0;
      const spy = db.transaction.bind(db);
      (db as { transaction: typeof db.transaction }).transaction = () => {
        transactions++;
        return spy();
      };
      try {
        const ids = Array.from({ length: 10 }, (_, i) => `together-${i}`);
        const before = await count();
        const seen: boolean[] = [];
        await Promise.all(
          ids.map((id) =>
            g.write(id).then(async () => {
              // Resolved means committed: a query outside the transaction sees the row.
              seen.push((await db.selectFrom('gc_items').select('id').where('id', '=', id).executeTakeFirst()) !== undefined);
            }),
          ),
        );
        expect(transactions).toBe(1);
        expect(seen).toEqual(ids.map(() => true));
        expect(await count()).toBe(before + 10);
      } finally {
        delete (db as { transaction?: unknown }).transaction;
      }
    });

    it('undoes and refuses only the write that fails; the others in its group are committed', async () => {
      const g = group();
      await g.write('taken');
      const results = await Promise.allSettled(['first', 'taken', 'last'].map((id) => g.write(id)));
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      const notes = await db.selectFrom('gc_notes').select('id').where('id', 'in', ['first', 'taken', 'last']).execute();
      // The failed write's first row went with it: 'taken' has only the note of its first, committed write.
      expect(notes.map((n) => n.id).sort()).toEqual(['first', 'last', 'taken']);
      const items = await db.selectFrom('gc_items').select('id').where('id', 'in', ['first', 'last']).execute();
      expect(items).toHaveLength(2);
    });

    it('refuses a write alone like an ordinary transaction would', async () => {
      const g = group();
      await g.write('alone');
      await expect(g.write('alone')).rejects.toThrow();
      const notes = await db.selectFrom('gc_notes').select('id').where('id', '=', 'alone').execute();
      expect(notes).toHaveLength(1);
    });
  });
}
