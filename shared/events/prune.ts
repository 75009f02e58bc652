/**
 * Keeps the outbox and inbox from growing without bound: sent outbox rows and handled inbox rows
 * older than the retention go. Unsent rows are never pruned. The retention must outlast any
 * redelivery a consumer may still see (JetStream's duplicate window is far shorter).
 *
 * @example pruneEventTables(db, { outbox, inbox, retentionMs: 24 * 3_600_000, now: Date.now() });
 */
import { and, isNotNull, lt } from "drizzle-orm";
import type { WorkerDb } from "../db";
import type { InboxTable, OutboxTable } from "./tables";

export const defaultRetentionMs = 24 * 60 * 60_000;

export function pruneEventTables(
  db: WorkerDb<any>,
  options: { outbox?: OutboxTable; inbox?: InboxTable; retentionMs?: number; now?: number },
): { outbox: number; inbox: number } {
  const cutoff = (options.now ?? Date.now()) - (options.retentionMs ?? defaultRetentionMs);
  const pruned = { outbox: 0, inbox: 0 };
  if (options.outbox) {
    const { outbox } = options;
    pruned.outbox = changes(db.delete(outbox).where(and(isNotNull(outbox.sentAt), lt(outbox.sentAt, cutoff))).run());
  }
  if (options.inbox) {
    pruned.inbox = changes(db.delete(options.inbox).where(lt(options.inbox.handledAt, cutoff)).run());
  }
  return pruned;
}

/** Both drivers report `changes` on a run result; drizzle types it as unknown. */
function changes(result: unknown): number {
  return (result as { changes?: number } | undefined)?.changes ?? 0;
}
