/**
 * Apply-once: a consumer's handler runs inside its inbox check, its effect and the inbox row in
 * ONE immediate transaction, so an event id the inbox already holds (a redelivery, a replay, a
 * producer re-sending after a restore) changes nothing, and a failing handler leaves no trace.
 *
 * @example
 *   applyOnce(db, inbox, "catalog-stock", event, handleEvent(stockAdjusted, (tx, e) => applyLevels(tx, e.data.levels)), delivery);
 */
import { and, eq, sql } from "drizzle-orm";
import { preparedQuery } from "../db/prepared";
import type { WorkerDb, WorkerTx } from "../db/db";
import type { EventData, EventDefinition, EventEnvelope } from "./envelope";
import type { InboxTable } from "./tables";

/** Where a message sits in its stream, for read models that record how far they have read. */
export interface Delivery {
  stream: string;
  streamSequence: number;
}

export interface EventHandler<E extends EventDefinition = EventDefinition> {
  definition: E;
  /** Runs inside the consumer's transaction: synchronous, writes through `tx` only. */
  handle(tx: WorkerTx<any>, event: EventEnvelope<EventData<E>>, delivery: Delivery): void;
}

/** Types a handler by its event definition: `handleEvent(orderConfirmed, (tx, e) => ...)`. */
export function handleEvent<E extends EventDefinition>(definition: E, handle: EventHandler<E>["handle"]): EventHandler<E> {
  return { definition, handle };
}

export type ApplyOutcome = "handled" | "duplicate";

/** Runs `handler` on `event` unless `consumer`'s inbox holds its id; throws (rolled back) when the handler does. */
export function applyOnce(db: WorkerDb<any>, inbox: InboxTable, consumer: string, event: EventEnvelope, handler: EventHandler<any>, delivery: Delivery): ApplyOutcome {
  return db.transaction(
    (tx) => {
      const { seen, remember } = inboxQueries(tx, inbox);
      if (seen.get({ consumer, eventId: event.id })) return "duplicate";
      const result: unknown = handler.handle(tx, event, delivery);
      if (result instanceof Promise) throw new Error(`handler of ${event.subject} returned a promise; handlers run in a synchronous transaction`);
      remember.run({ consumer, eventId: event.id, subject: event.subject, handledAt: Date.now() });
      return "handled";
    },
    { behavior: "immediate" },
  );
}

/** The inbox check and insert, prepared once per database (prepared.ts). */
function inboxQueries(tx: WorkerTx<any>, inbox: InboxTable) {
  return preparedQuery(tx, inbox, "applyOnce", () => ({
    seen: tx
      .select({ eventId: inbox.eventId })
      .from(inbox)
      .where(and(eq(inbox.consumer, sql.placeholder("consumer")), eq(inbox.eventId, sql.placeholder("eventId"))))
      .prepare(),
    remember: tx
      .insert(inbox)
      .values({ consumer: sql.placeholder("consumer"), eventId: sql.placeholder("eventId"), subject: sql.placeholder("subject"), handledAt: sql.placeholder("handledAt") })
      .prepare(),
  }));
}
