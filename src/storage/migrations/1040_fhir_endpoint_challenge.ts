import type { Kysely } from 'kysely';
import { newChallengeToken } from '../../core/ids.js';
import type { SqlDialect } from '../dialect.js';

/**
 * Registering a base URL is no proof of controlling its server: a vendor proves it by serving, at
 * the URL named by a random token samsvar drew for the claim (challenge_token), an answer made of
 * the token and a digest of the vendor (ACME HTTP-01 style, live/fhir-base-url.ts); verified_at
 * records when samsvar saw it, vendor_id then the vendor that proved it. Claims made before get a
 * token here and are unverified, so their live tests count again only once the vendor has verified.
 */
export async function up(db: Kysely<any>, _dialect: SqlDialect): Promise<void> {
  await db.schema.alterTable('fhir_endpoints').addColumn('challenge_token', 'text').execute();
  await db.schema.alterTable('fhir_endpoints').addColumn('verified_at', 'text').execute();
  const claims = (await db.selectFrom('fhir_endpoints').select('server').execute()) as { server: string }[];
  for (const { server } of claims)
    await db.updateTable('fhir_endpoints').set({ challenge_token: newChallengeToken() }).where('server', '=', server).execute();
}
