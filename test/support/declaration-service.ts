import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Principal } from '../../src/auth/principal.js';
import { DeclarationService } from '../../src/registry/declaration-service.js';
import type { SelfDeclarationRequest } from '../../src/registry/declaration-issuance.js';
import { DeclarationStore } from '../../src/registry/declaration-store.js';
import type { AppContext } from '../../src/server/app-context.js';
import { loadKeyRing } from '../../src/signing/key-store.js';
import { ISSUANCE } from '../declarations/fixtures.js';
import { validOrgNumber } from './service.js';

/**
 * A declaration service over a test context's database, signing with a key of its own. `db`: the
 * connection its store uses (a plugin that counts statements, say); `now`: its clock.
 */
export async function declarationServiceFor(
  ctx: AppContext,
  opts: { now?: () => Date; levelAPerDay?: number; db?: AppContext['database']['db'] } = {},
): Promise<DeclarationService> {
  return new DeclarationService({
    store: new DeclarationStore(opts.db ?? ctx.database.db, ctx.database.dialect),
    repo: ctx.repo,
    runs: ctx.runs,
    catalog: ctx.catalog,
    keys: await loadKeyRing({ env: { SAMSVAR_DATA: mkdtempSync(path.join(tmpdir(), 'samsvar-decl-')) } }),
    issuerName: 'samsvar (test)',
    samsvarVersion: '0.0.0-test',
    ...(opts.levelAPerDay !== undefined ? { levelAPerDay: opts.levelAPerDay } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
}

/** A vendor with one system, written straight to the repository. */
export async function vendorWithSystem(
  ctx: AppContext,
  vendorName: string,
  systemName: string,
): Promise<{ vendor: Principal; systemId: string }> {
  const { vendor: v } = await ctx.repo.vendors.createVendor(
    { orgNumber: validOrgNumber(), name: vendorName, email: 'post@example.no' },
    `hash-${Math.random()}`,
  );
  const vendor: Principal = { role: 'vendor', vendorId: v.id, tokenId: 't' };
  return { vendor, systemId: (await ctx.runs.createSystem(vendor, { name: systemName })).id };
}

const PDF = Buffer.from('%PDF-1.4\n%%EOF\n').toString('base64');

/** A level A declaration of a system version for `profiles`, documented by one PDF named `documentName`. */
export function declareLevelA(
  svc: DeclarationService,
  vendor: Principal,
  systemId: string,
  versionId: string,
  profiles: SelfDeclarationRequest['profiles'],
  documentName = 'rapport.pdf',
): ReturnType<DeclarationService['issueSelfDeclared']> {
  return svc.issueSelfDeclared(
    vendor,
    systemId,
    versionId,
    { profiles, documents: [{ name: documentName, mediaType: 'application/pdf', content: PDF }], ...ISSUANCE },
    'https://samsvar.test',
  );
}
