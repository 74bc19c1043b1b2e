import type { ColumnDataType } from 'kysely';

/** The two databases the service runs on. Migrations ask this for the few types that differ. */
export type SqlDialect = 'sqlite' | 'postgres';

export function binaryType(dialect: SqlDialect): ColumnDataType {
  return dialect === 'postgres' ? 'bytea' : 'blob';
}

/** An auto-numbered integer key: SQLite's rowid alias, PostgreSQL's serial. */
export function serialType(dialect: SqlDialect): ColumnDataType {
  return dialect === 'postgres' ? 'serial' : 'integer';
}
