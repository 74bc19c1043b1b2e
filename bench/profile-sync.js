#!/usr/bin/env node
// What keeping the catalog as the database has it costs each request: ProfileSync.refresh() with
// nothing changed (one select on profile_serving) against Repository.ping() (one select on vendors,
// what /readyz runs) as the peer, on the same database in the same run. SQLite in a temporary
// directory; with DATABASE_URL, PostgreSQL (point it at a scratch database: migrations are applied).
//   npm run build && node bench/profile-sync.js
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';

const { openDatabase } = await import('../dist/storage/database.js');
const { Repository } = await import('../dist/storage/repository.js');
const { ProfilePackageStore } = await import('../dist/storage/profile-package-store.js');
const { ProfileSync } = await import('../dist/runs/profile-sync.js');
const { loadCatalog } = await import('../dist/profiles/catalog.js');

const dataDir = mkdtempSync(path.join(tmpdir(), 'samsvar-sync-bench-'));
const database = await openDatabase({ dataDir, databaseUrl: process.env.DATABASE_URL });
try {
  const repo = new Repository(database.db, database.dialect);
  const sync = new ProfileSync({
    store: new ProfilePackageStore(database.db),
    catalog: loadCatalog({ importedDir: null }),
    testcases: { list: () => [] },
    profilesRoot: path.join(dataDir, 'profiles'),
  });
  await sync.refresh();
  const N = 3000;
  const perCall = async (f) => {
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) await f();
    return Number(process.hrtime.bigint() - t) / 1e3 / N;
  };
  const rounds = [];
  // Interleaved, so both see the same machine.
  for (let k = 0; k < 5; k++) rounds.push([await perCall(() => sync.refresh()), await perCall(() => repo.ping())]);
  const median = (xs) => [...xs].sort((a, b) => a - b)[2];
  const refresh = median(rounds.map((r) => r[0]));
  const ping = median(rounds.map((r) => r[1]));
  console.log(
    `${database.dialect} (load ${loadavg()[0].toFixed(1)}): refresh ${refresh.toFixed(1)} µs per request, ping ${ping.toFixed(1)} µs, ratio ${(refresh / ping).toFixed(2)} (median of 5 rounds of ${N})`,
  );
} finally {
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
}
