/**
 * Finished sagas are kept for SAGA_RETENTION after they ended, then go with their step logs (the
 * order, its lines and its status stay: they are the shop's history, the saga only how it got
 * there). Unfinished and NEEDS_ATTENTION sagas are never pruned. A rule of the kit's pruner
 * (shared/events/prune.ts): one batch per transaction, found through the partial index of DONE
 * sagas by their last update.
 *
 * @example createWorker({ ..., retentionRules: [finishedSagasRule(db, 30 * 86_400_000)] });
 */
import { inArray, sql } from "drizzle-orm";
import type { RetentionRule } from "../../shared/events/prune";
import { sagaLog, sagas } from "./schema";
import type { OrdersDb } from "./store";

export const defaultSagaRetentionMs = 30 * 24 * 3_600_000;

export function finishedSagasRule(db: OrdersDb, retentionMs = defaultSagaRetentionMs): RetentionRule {
  return {
    name: "finishedSagas",
    retentionMs,
    deleteBatch: (cutoff, batch) =>
      db.transaction((tx) => {
        // INDEXED BY: without it SQLite takes sagas_due for the state and sorts every DONE saga.
        const ended = tx
          .all<{ orderId: string }>(
            sql`select order_id as orderId from ${sagas} indexed by sagas_done_updated where state = 'DONE' and ${sagas.updatedAt} < ${cutoff} order by ${sagas.updatedAt} limit ${batch}`,
          )
          .map((row) => row.orderId);
        if (ended.length === 0) return 0;
        tx.delete(sagaLog).where(inArray(sagaLog.orderId, ended)).run();
        tx.delete(sagas).where(inArray(sagas.orderId, ended)).run();
        return ended.length;
      }),
  };
}
