/**
 * Keeps the outbox and inbox from growing without bound: sent outbox rows and handled inbox rows
 * older than the retention go. Unsent rows are never pruned. The retention must outlast any
 * redelivery a consumer may still see (JetStream's duplicate window is far shorter).
 *
 * @example pruneEventTables(db, { outbox, inbox, retentionMs: 24 * 3_600_000, now: Date.now() }); // { outbox: 3, inbox: 0 }
 */
import { and, isNotNull, lt } from "drizzle-orm";
import type { WorkerDb } from "../db/db";
import type { Logger } from "../core/logger";
import type { WorkerLoop } from "../core/loop";
import { runInBackgroundScope } from "../core/request-scope";
import type { InboxTable, OutboxTable } from "./tables";

/**
 * Seven days. The inbox is what makes a consumer drop an event it already applied, so it must
 * outlast every way an old event can come again: redelivery, a DLQ replay, and a producer
 * restored from a backup re-sending what was pending when the backup was taken. A restore from a
 * backup older than this can apply such events twice (README, runbook).
 */
export const defaultRetentionMs = 7 * 24 * 60 * 60_000;

export function pruneEventTables(db: WorkerDb<any>, options: { outbox?: OutboxTable; inbox?: InboxTable; retentionMs?: number; now?: number }): { outbox: number; inbox: number } {
  const cutoff = (options.now ?? Date.now()) - (options.retentionMs ?? defaultRetentionMs);
  const pruned = { outbox: 0, inbox: 0 };
  if (options.outbox) {
    const { outbox } = options;
    pruned.outbox = changes(
      db
        .delete(outbox)
        .where(and(isNotNull(outbox.sentAt), lt(outbox.sentAt, cutoff)))
        .run(),
    );
  }
  if (options.inbox) {
    pruned.inbox = changes(db.delete(options.inbox).where(lt(options.inbox.handledAt, cutoff)).run());
  }
  return pruned;
}

interface PruneOptions {
  db: WorkerDb<any>;
  outbox?: OutboxTable;
  inbox?: InboxTable;
  retentionMs?: number;
  logger: Logger;
}

/** Prunes as background work of its own (its spans carry a correlation ID per `scope`), logging what went. */
function pruneInScope(scope: string, options: PruneOptions, now?: number): void {
  const pruned = runInBackgroundScope(scope, () => pruneEventTables(options.db, { ...options, now }));
  if (pruned.outbox + pruned.inbox > 0) options.logger.debug(pruned, "pruned old outbox/inbox rows");
}

/**
 * Pruning for a loop that runs often (the outbox relay, every round): prunes when `intervalMs`
 * has passed since it last did, else does nothing. Throws what pruning throws.
 */
export function createPruneSchedule(options: PruneOptions & { owner: string; intervalMs: number; now: () => number }): () => void {
  let lastPruneAt = 0;
  return () => {
    if (options.now() - lastPruneAt < options.intervalMs) return;
    lastPruneAt = options.now();
    pruneInScope(`event-prune.${options.owner}`, options, options.now());
  };
}

/**
 * A loop pruning on a timer, for workers with no outbox relay (a consumer-only worker such as
 * reporting); a relay given `inbox` prunes both tables itself.
 */
export function createEventTablePruner(options: PruneOptions & { intervalMs?: number }): WorkerLoop {
  let timer: ReturnType<typeof setInterval> | undefined;
  const prune = () => {
    try {
      pruneInScope("event-prune", options);
    } catch (error) {
      options.logger.warn({ err: error }, "pruning outbox/inbox failed");
    }
  };
  return {
    name: "event-table-pruner",
    start() {
      prune();
      timer = setInterval(prune, options.intervalMs ?? 60_000);
      timer.unref?.();
    },
    stop() {
      clearInterval(timer);
    },
  };
}

/** Both drivers report `changes` on a run result; drizzle types it as unknown. */
function changes(result: unknown): number {
  return (result as { changes?: number } | undefined)?.changes ?? 0;
}
