// shared/db/ — a worker's own SQLite database: opening and migrating it, prepared statements and their
// cache, WAL checkpoints, the commit signal, idempotency keys, backups' status, migration generation.
/**
 * Opens a worker's own SQLite file through Drizzle and applies its migrations.
 * Under Bun it uses `bun:sqlite` (better-sqlite3 does not load there); under Node (vitest) it
 * uses better-sqlite3. Same schema, same `migrations/<worker>/` folder, same pragmas, set
 * explicitly because the two drivers' defaults differ. Every `db.transaction` runs in a span and
 * is measured, and the file sizes are reported as metrics (telemetry/db.ts). Each database owns
 * its statement cache (statement-cache.ts, under Bun) and its outbox signal (outbox-signal.ts):
 * after a transaction that wrote outbox rows commits, the signal wakes the worker's relay. It also
 * owns the kit's prepared queries (prepared.ts) and checkpoints its WAL in the background, off the
 * connection serving requests (wal-checkpoints.ts).
 *
 * @example
 *   const database = await openWorkerDatabase({ worker: "users", dataDir: "./.data", schema });
 *   database.db.select().from(users).all();
 */
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import { createStatementCache } from "./statement-cache";
import { createOutboxSignal, tagTransaction, type OutboxSignal } from "./outbox-signal";
import { attachPreparedMemo, createPreparedMemo, type PreparedMemo } from "./prepared";
import { backstopPages, defaultCheckpointSettings, startCheckpoints, type CheckpointSettings } from "./wal-checkpoints";
import { createQueryTracer, observeDatabaseFiles, traceTransactions, type QueryTracer } from "../../telemetry/db";

/** A worker's Drizzle database, whichever driver is underneath. Domain code takes this or a tx. */
export type WorkerDb<TSchema extends Record<string, unknown> = Record<string, never>> = BaseSQLiteDatabase<"sync", unknown, TSchema>;

/** The transaction handle passed to `db.transaction((tx) => ...)`. */
export type WorkerTx<TSchema extends Record<string, unknown> = Record<string, never>> = Parameters<Parameters<WorkerDb<TSchema>["transaction"]>[0]>[0];

export interface WorkerDatabase<TSchema extends Record<string, unknown>> {
  db: WorkerDb<TSchema>;
  file: string;
  driver: "bun:sqlite" | "better-sqlite3";
  /** Wakes the worker's relay after each commit that wrote outbox rows: hand it to the worker's deps. */
  outboxSignal: OutboxSignal;
  /** Runs a pragma and returns its first value (e.g. `pragma("journal_mode")` → "wal"). */
  pragma(statement: string): unknown;
  close(): void;
}

export interface OpenWorkerDatabaseOptions<TSchema extends Record<string, unknown>> {
  worker: string;
  /** Directory holding `<worker>.db`; ":memory:" for a throwaway database. */
  dataDir: string;
  schema: TSchema;
  synchronous?: "NORMAL" | "FULL";
  busyTimeoutMs?: number;
  /** Defaults to `migrations/<worker>` at the repository root. */
  migrationsFolder?: string;
  /** WAL checkpoints in the background (wal-checkpoints.ts); false leaves them to SQLite's automatic one. */
  checkpoints?: CheckpointSettings | false;
}

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export function migrationsFolderOf(worker: string): string {
  return join(repoRoot, "migrations", worker);
}

export function databaseFileOf(dataDir: string, worker: string): string {
  return dataDir === ":memory:" ? ":memory:" : join(resolve(dataDir), `${worker}.db`);
}

/**
 * SQLite's page cache per connection: 1 MiB (256 pages of 4 KiB), half SQLite's default. It only
 * fills as pages are read, so idle RSS is the same; under load it bounds what each worker keeps. The
 * order path touches a few hot pages per table (the B-trees' right edges, the indexes it looks up),
 * and what falls out is still in the OS's file cache one read() away.
 */
const pageCachePragma = "cache_size = -1024";

export const runningUnderBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";

export async function openWorkerDatabase<TSchema extends Record<string, unknown>>(options: OpenWorkerDatabaseOptions<TSchema>): Promise<WorkerDatabase<TSchema>> {
  const file = databaseFileOf(options.dataDir, options.worker);
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const checkpoints = file === ":memory:" ? false : (options.checkpoints ?? defaultCheckpointSettings);
  const pragmas = ["journal_mode = WAL", `synchronous = ${options.synchronous ?? "NORMAL"}`, `busy_timeout = ${options.busyTimeoutMs ?? 5000}`, "foreign_keys = ON"];
  if (checkpoints) pragmas.push(`wal_autocheckpoint = ${backstopPages}`);
  pragmas.push(pageCachePragma);
  const migrationsFolder = options.migrationsFolder ?? migrationsFolderOf(options.worker);
  const queries = createQueryTracer();
  const opened = runningUnderBun
    ? await openWithBun(file, options.schema, pragmas, migrationsFolder, queries)
    : await openWithBetterSqlite(file, options.schema, pragmas, migrationsFolder, queries);
  // After the migrations: they are start-up work, not transactions anyone looks for in a trace.
  traceTransactions(opened.db as never, { worker: options.worker, queries });
  const outboxSignal = createOutboxSignal();
  const prepared = createPreparedMemo();
  attachPreparedMemo(opened.db, prepared);
  settleOutboxSignal(opened.db as never, outboxSignal, prepared);
  const stopObserving = file === ":memory:" ? () => undefined : observeDatabaseFiles({ worker: options.worker, file });
  const checkpointer = checkpoints ? await startCheckpoints(file, checkpoints, runningUnderBun) : undefined;
  return {
    ...opened,
    file,
    outboxSignal,
    close: () => {
      checkpointer?.stop();
      stopObserving();
      opened.close();
    },
  };
}

type TransactionFn = (fn: (tx: object) => unknown, config?: unknown) => unknown;

/**
 * The database's commit hook: each transaction carries the signal (enqueueEvent marks it) and the
 * database's prepared queries (prepared.ts), and when the outermost one ends the signal wakes the
 * relay if it committed outbox rows.
 */
function settleOutboxSignal(db: { transaction: TransactionFn }, signal: OutboxSignal, prepared: PreparedMemo): void {
  const run = db.transaction.bind(db);
  let depth = 0;
  db.transaction = (fn, config) => {
    depth += 1;
    let committed = false;
    try {
      const result = run((tx) => (tagTransaction(tx, signal), attachPreparedMemo(tx, prepared), fn(tx)), config);
      committed = true;
      return result;
    } finally {
      depth -= 1;
      if (depth === 0) signal.settle(committed);
    }
  };
}

async function openWithBun<TSchema extends Record<string, unknown>>(file: string, schema: TSchema, pragmas: string[], migrationsFolder: string, logger: QueryTracer) {
  const { Database } = await import("bun:sqlite");
  const { drizzle } = await import("drizzle-orm/bun-sqlite");
  const { migrate } = await import("drizzle-orm/bun-sqlite/migrator");
  const client = new Database(file, { create: true, readwrite: true });
  for (const pragma of pragmas) client.run(`PRAGMA ${pragma}`);
  const statements = createStatementCache(client);
  const db = drizzle({ client: statements.client as never, schema, logger });
  statements.serveOneTimeQueries(db);
  migrate(db, { migrationsFolder });
  return {
    db: db as unknown as WorkerDb<TSchema>,
    driver: "bun:sqlite" as const,
    pragma: (statement: string) => {
      const row = client.query(`PRAGMA ${statement}`).get() as Record<string, unknown> | null;
      return row ? Object.values(row)[0] : undefined;
    },
    close: () => client.close(),
  };
}

async function openWithBetterSqlite<TSchema extends Record<string, unknown>>(file: string, schema: TSchema, pragmas: string[], migrationsFolder: string, logger: QueryTracer) {
  const { default: Database } = await import("better-sqlite3");
  const { drizzle } = await import("drizzle-orm/better-sqlite3");
  const { migrate } = await import("drizzle-orm/better-sqlite3/migrator");
  const client = new Database(file);
  for (const pragma of pragmas) client.pragma(pragma);
  const db = drizzle({ client, schema, logger });
  migrate(db, { migrationsFolder });
  return {
    db: db as unknown as WorkerDb<TSchema>,
    driver: "better-sqlite3" as const,
    pragma: (statement: string) => client.pragma(statement, { simple: true }),
    close: () => client.close(),
  };
}
