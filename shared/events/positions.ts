/**
 * A consumer's applied position per stream (consumer_positions, tables.ts): each handler is
 * wrapped so that, in the same transaction as the event's effect, the position row moves to the
 * event's stream sequence and time. Both only move forward: a redelivered or replayed older
 * event leaves them where they are.
 *
 * @example
 *   const handlers = recordingPositions(stockHandlers, consumerPositions, "catalog-stock");
 *   readPositions(db, consumerPositions); // [{ consumer, stream, lastSequence, lastEventAt, updatedAt }]
 */
import { asc, sql } from "drizzle-orm";
import type { WorkerDb, WorkerTx } from "../db/db";
import { preparedQuery } from "../db/prepared";
import type { EventHandler } from "./inbox";
import type { ConsumerPositionsTable } from "./tables";

export type ConsumerPosition = ConsumerPositionsTable["$inferSelect"];

const p = sql.placeholder;

function upsertOf(tx: WorkerTx<any>, positions: ConsumerPositionsTable) {
  return preparedQuery(tx, positions, "recordPosition", () =>
    tx
      .insert(positions)
      .values({ consumer: p("consumer"), stream: p("stream"), lastSequence: p("sequence"), lastEventAt: p("eventAt"), updatedAt: p("now") })
      .onConflictDoUpdate({
        target: [positions.consumer, positions.stream],
        set: {
          lastSequence: sql`max(${positions.lastSequence}, ${p("sequence")})`,
          lastEventAt: sql`max(${positions.lastEventAt}, ${p("eventAt")})`,
          updatedAt: sql`${p("now")}`,
        },
      })
      .prepare(),
  );
}

/** `handlers`, each also recording `consumer`'s position in the event's stream. */
export function recordingPositions(handlers: Record<string, EventHandler<any>>, positions: ConsumerPositionsTable, consumer: string): Record<string, EventHandler<any>> {
  return Object.fromEntries(
    Object.entries(handlers).map(([subject, handler]) => [
      subject,
      {
        definition: handler.definition,
        handle(tx, event, delivery) {
          const result: unknown = handler.handle(tx, event, delivery);
          // applyOnce refuses a handler that returns a promise: let it see this one's.
          if (result instanceof Promise) return result as never;
          const eventAt = Date.parse(event.occurredAt);
          upsertOf(tx, positions).run({ consumer, stream: delivery.stream, sequence: delivery.streamSequence, eventAt, now: Date.now() });
        },
      } satisfies EventHandler<any>,
    ]),
  );
}

export function readPositions(db: WorkerDb<any>, positions: ConsumerPositionsTable): ConsumerPosition[] {
  return db.select().from(positions).orderBy(asc(positions.consumer), asc(positions.stream)).all() as ConsumerPosition[];
}
