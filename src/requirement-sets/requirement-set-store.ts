import type { Kysely } from 'kysely';
import { appendAudit } from '../storage/audit-log.js';
import type { CoreTables } from '../storage/schema.js';
import type { RequirementSet } from './requirement-set.js';

/** The table of migration 0100_declarations that holds requirement sets. */
interface RequirementSetTables {
  requirement_sets: { id: string; content: string; updated_at: string; updated_by: string };
}

type Db = Kysely<CoreTables & RequirementSetTables>;

/** Storage of requirement sets; every change enters the audit log in its transaction. */
export class RequirementSetStore {
  private readonly db: Db;

  constructor(db: Kysely<CoreTables>) {
    this.db = db as unknown as Db;
  }

  async put(set: RequirementSet, actor: string, now: Date): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const content = JSON.stringify(set);
      const existing = await trx.selectFrom('requirement_sets').select('id').where('id', '=', set.id).executeTakeFirst();
      if (existing)
        await trx
          .updateTable('requirement_sets')
          .set({ content, updated_at: now.toISOString(), updated_by: actor })
          .where('id', '=', set.id)
          .execute();
      else
        await trx
          .insertInto('requirement_sets')
          .values({ id: set.id, content, updated_at: now.toISOString(), updated_by: actor })
          .execute();
      await appendAudit(
        trx as unknown as Kysely<CoreTables>,
        {
          actor,
          action: existing ? 'requirement_set.update' : 'requirement_set.create',
          objectType: 'requirement_set',
          objectId: set.id,
          details: { requirements: set.requirements.length },
        },
        now.toISOString(),
      );
    });
  }

  async delete(id: string, actor: string, now: Date): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx.deleteFrom('requirement_sets').where('id', '=', id).executeTakeFirst();
      if (Number(res.numDeletedRows) !== 1) return false;
      await appendAudit(
        trx as unknown as Kysely<CoreTables>,
        { actor, action: 'requirement_set.delete', objectType: 'requirement_set', objectId: id },
        now.toISOString(),
      );
      return true;
    });
  }

  async list(): Promise<RequirementSet[]> {
    const rows = await this.db.selectFrom('requirement_sets').selectAll().orderBy('id').execute();
    return rows.map((r) => JSON.parse(r.content) as RequirementSet);
  }

  async get(id: string): Promise<RequirementSet | undefined> {
    const row = await this.db.selectFrom('requirement_sets').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? (JSON.parse(row.content) as RequirementSet) : undefined;
  }
}
