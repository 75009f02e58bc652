/**
 * Keeps a worker's kit tables within their retention (shared/core/retention.ts): sent outbox rows
 * older than OUTBOX_SENT_RETENTION, inbox rows older than INBOX_RETENTION, idempotency keys older
 * than IDEMPOTENCY_KEY_RETENTION. Unsent outbox rows are never pruned. Each table is pruned in
 * batches (`batch` rows, one short transaction each, found through an index or the rowid order,
 * never a scan of what stays), at most `maxBatches` a table per pass, so pruning never holds the
 * writer for more than a few ms at a time; a pass that stopped at its cap runs again soon after.
 * A worker adds its own kinds of data as rules (orders' finished sagas), pruned alike. The kit runs
 * one pruner per worker with a database (createWorker), with or without a bus.
 *
 * @example
 *   pruneOnce(db, { outbox, inbox }, { outboxSentMs: 3_600_000, inboxMs: 7 * 86_400_000, idempotencyKeysMs: 86_400_000 }, Date.now());
 *   // { outbox: 1200, inbox: 0, idempotencyKeys: 0, more: false }
 */
import { and, inArray, isNotNull, lt, sql } from "drizzle-orm";
import type { WorkerDb } from "../db/db";
import type { IdempotencyKeysTable } from "../db/idempotency";
import type { Logger } from "../core/logger";
import type { WorkerLoop } from "../core/loop";
import type { Retention } from "../core/retention";
import { runInBackgroundScope } from "../core/request-scope";
import type { InboxTable, OutboxTable } from "./tables";

/**
 * The inbox's retention when none is configured (INBOX_RETENTION's default): seven days. The inbox
 * is what makes a consumer drop an event it already applied, so it must outlast every way an old
 * event can come again: redelivery, a DLQ replay, and a producer restored from a backup re-sending
 * what was pending when the backup was taken. A restore from a backup older than this can apply
 * such events twice (README, runbook).
 */
export const defaultRetentionMs = 7 * 24 * 60 * 60_000;

export interface PrunedTables {
  outbox?: OutboxTable;
  inbox?: InboxTable;
  idempotencyKeys?: IdempotencyKeysTable;
  /** A worker's own data with a retention (orders' finished sagas), pruned by the same loop, in the same batches. */
  rules?: readonly RetentionRule[];
}

/** A worker's own kind of data kept for `retentionMs`: `deleteBatch` removes at most `batch` rows older than `cutoff` (epoch ms) and says how many. */
export interface RetentionRule {
  name: string;
  retentionMs: number;
  deleteBatch(cutoff: number, batch: number): number;
}

export type TableRetention = Pick<Retention, "outboxSentMs" | "inboxMs" | "idempotencyKeysMs">;

export interface PruneBatches {
  /** Rows per delete (one transaction). Default 500. */
  batch?: number;
  /** Deletes per table per pass. Default 20. */
  maxBatches?: number;
}

export interface Pruned {
  outbox: number;
  inbox: number;
  idempotencyKeys: number;
  /** A table still had rows past its retention when the pass stopped at its cap. */
  more: boolean;
  /** Rows removed by each of the worker's own rules, when it has any. */
  byRule?: Record<string, number>;
}

/** Both drivers report `changes` on a run result; drizzle types it as unknown. */
const changes = (result: unknown): number => (result as { changes?: number } | undefined)?.changes ?? 0;

/** One batch per table: the delete statement, removing at most `batch` rows past `cutoff`. */
function batchDeletes(db: WorkerDb<any>, tables: PrunedTables, batch: number) {
  const { outbox, inbox, idempotencyKeys: keys } = tables;
  return {
    // The (sent_at, seq) index finds sent rows past the cutoff, oldest first.
    outbox: outbox
      ? (cutoff: number) =>
          changes(
            db
              .delete(outbox)
              .where(
                inArray(
                  outbox.seq,
                  db
                    .select({ seq: outbox.seq })
                    .from(outbox)
                    .where(and(isNotNull(outbox.sentAt), lt(outbox.sentAt, cutoff)))
                    .limit(batch),
                ),
              )
              .run(),
          )
      : undefined,
    // inbox_handled_at serves the range.
    inbox: inbox
      ? (cutoff: number) =>
          changes(
            db
              .delete(inbox)
              .where(sql`rowid in (select rowid from ${inbox} where ${inbox.handledAt} < ${cutoff} limit ${batch})`)
              .run(),
          )
      : undefined,
    // Keys are written in time order, so the oldest are the lowest rowids: the batch looks at the first
    // rows only and deletes those past the cutoff (no index on created_at needed; none is kept).
    idempotencyKeys: keys
      ? (cutoff: number) =>
          changes(
            db
              .delete(keys)
              .where(sql`rowid in (select rowid from ${keys} order by rowid limit ${batch}) and ${keys.createdAt} < ${cutoff}`)
              .run(),
          )
      : undefined,
  };
}

/** Deletes batches until one comes back short or the cap is reached; returns what went and whether rows remain. */
function drain(deleteBatch: ((cutoff: number) => number) | undefined, cutoff: number, batch: number, maxBatches: number): { removed: number; more: boolean } {
  let removed = 0;
  if (!deleteBatch) return { removed, more: false };
  for (let i = 0; i < maxBatches; i++) {
    const went = deleteBatch(cutoff);
    removed += went;
    if (went < batch) return { removed, more: false };
  }
  return { removed, more: true };
}

/** One pass over the worker's tables: each pruned to its retention, in batches, up to the cap. */
export function pruneOnce(db: WorkerDb<any>, tables: PrunedTables, retention: TableRetention, now: number, options: PruneBatches = {}): Pruned {
  const batch = options.batch ?? 500;
  const maxBatches = options.maxBatches ?? 20;
  const deletes = batchDeletes(db, tables, batch);
  const outbox = drain(deletes.outbox, now - retention.outboxSentMs, batch, maxBatches);
  const inbox = drain(deletes.inbox, now - retention.inboxMs, batch, maxBatches);
  const keys = drain(deletes.idempotencyKeys, now - retention.idempotencyKeysMs, batch, maxBatches);
  const pruned: Pruned = { outbox: outbox.removed, inbox: inbox.removed, idempotencyKeys: keys.removed, more: outbox.more || inbox.more || keys.more };
  if (!tables.rules?.length) return pruned;
  pruned.byRule = {};
  for (const rule of tables.rules) {
    const ruled = drain((cutoff) => rule.deleteBatch(cutoff, batch), now - rule.retentionMs, batch, maxBatches);
    pruned.byRule[rule.name] = ruled.removed;
    pruned.more ||= ruled.more;
  }
  return pruned;
}

export interface RetentionPrunerOptions extends PruneBatches {
  db: WorkerDb<any>;
  tables: PrunedTables;
  retention: TableRetention;
  logger: Logger;
  /** Between passes. Default 60 s; a pass that stopped at its cap is followed by the next after `catchUpMs` (default 50 ms). */
  intervalMs?: number;
  catchUpMs?: number;
  now?: () => number;
}

/** The pruner loop: a pass at start, then one per interval (sooner while catching up); its last pass on /health/ready. */
export function createRetentionPruner(options: RetentionPrunerOptions): WorkerLoop {
  const now = options.now ?? Date.now;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let last: (Pruned & { at: number }) | undefined;
  const pass = () => {
    let more = false;
    try {
      const pruned = runInBackgroundScope("retention-prune", () => pruneOnce(options.db, options.tables, options.retention, now(), options));
      last = { ...pruned, at: now() };
      more = pruned.more;
      const ruled = Object.values(pruned.byRule ?? {}).reduce((sum, n) => sum + n, 0);
      if (pruned.outbox + pruned.inbox + pruned.idempotencyKeys + ruled > 0) options.logger.debug(pruned, "pruned rows past their retention");
    } catch (error) {
      options.logger.warn({ err: error }, "pruning past-retention rows failed");
    }
    if (stopped) return;
    timer = setTimeout(pass, more ? (options.catchUpMs ?? 50) : (options.intervalMs ?? 60_000));
    timer.unref?.();
  };
  return {
    name: "retention-pruner",
    start() {
      stopped = false;
      pass();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
    health: () => ({ pruned: last ?? null }),
  };
}
