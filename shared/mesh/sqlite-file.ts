/**
 * A worker's SQLite file opened directly by an operator command (backup, restore, drill), with
 * whichever driver runs here: bun:sqlite under Bun, better-sqlite3 under Node. Both take the same
 * constructor options and offer `prepare(sql).all()/get()`, so one small wrapper covers them.
 * Never used by a worker on another worker's file: only the mesh's own tools open these.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { migrationsFolderOf, runningUnderBun } from "../db/db";

export interface SqliteFile {
  all<T>(sql: string): T[];
  get<T>(sql: string): T | undefined;
  exec(sql: string): void;
  close(): void;
}

interface Driver {
  prepare(sql: string): { all(): unknown[]; get(): unknown };
  exec(sql: string): unknown;
  close(): void;
}

export async function openSqliteFile(file: string, options: { readonly: boolean }): Promise<SqliteFile> {
  const driver: Driver = runningUnderBun
    ? new (await import("bun:sqlite")).Database(file, options.readonly ? { readonly: true } : { readwrite: true })
    : new (await import("better-sqlite3")).default(file, { readonly: options.readonly, fileMustExist: true });
  // The live file is another process's: wait for its write lock rather than failing at once.
  driver.exec("PRAGMA busy_timeout = 10000");
  return {
    all: <T>(sql: string) => driver.prepare(sql).all() as T[],
    get: <T>(sql: string) => (driver.prepare(sql).get() ?? undefined) as T | undefined,
    exec: (sql: string) => void driver.exec(sql),
    close: () => driver.close(),
  };
}

export interface AppliedMigration {
  hash: string;
  createdAt: number;
}

/** drizzle's record of the migrations applied to a file, oldest first ([] if none). */
export function appliedMigrations(db: SqliteFile): AppliedMigration[] {
  const table = db.get<{ name: string }>("select name from sqlite_master where type = 'table' and name = '__drizzle_migrations'");
  if (!table) return [];
  return db.all<{ hash: string; created_at: number }>("select hash, created_at from __drizzle_migrations order by created_at, id").map((row) => ({
    hash: row.hash,
    createdAt: Number(row.created_at),
  }));
}

/** The tag (e.g. `0001_add_notes`) of the last applied migration, from the worker's journal. */
export function migrationTagOf(worker: string, applied: AppliedMigration[]): string | null {
  const last = applied.at(-1);
  if (!last) return null;
  try {
    const journal = JSON.parse(readFileSync(join(migrationsFolderOf(worker), "meta", "_journal.json"), "utf8")) as {
      entries: { when: number; tag: string }[];
    };
    return journal.entries.find((entry) => entry.when === last.createdAt)?.tag ?? `unknown (${last.createdAt})`;
  } catch {
    return `unknown (${last.createdAt})`;
  }
}

/** Rows per table (sqlite's own tables left out), in name order. */
export function rowCounts(db: SqliteFile): Record<string, number> {
  const tables = db.all<{ name: string }>("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name");
  const counts: Record<string, number> = {};
  for (const { name } of tables) counts[name] = db.get<{ n: number }>(`select count(*) as n from "${name.replaceAll('"', '""')}"`)!.n;
  return counts;
}

/** `PRAGMA integrity_check`: "ok", or the problems it lists joined. */
export function integrityOf(db: SqliteFile): string {
  return db
    .all<{ integrity_check: string }>("PRAGMA integrity_check")
    .map((row) => row.integrity_check)
    .join("; ");
}
