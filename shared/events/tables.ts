/**
 * The outbox and inbox tables every publishing or consuming worker keeps in its own DB.
 * A worker's schema.ts exports them (`export const outbox = outboxTable();`) so drizzle-kit
 * puts them in that worker's migrations.
 */
import { sqliteTable, text, integer, index, primaryKey } from "drizzle-orm/sqlite-core";

export function outboxTable() {
  return sqliteTable(
    "outbox",
    {
      /** Insertion order: the relay publishes in this order, which keeps order per aggregate. */
      seq: integer("seq").primaryKey({ autoIncrement: true }),
      eventId: text("event_id").notNull().unique(),
      subject: text("subject").notNull(),
      aggregateId: text("aggregate_id").notNull(),
      /** The whole envelope as JSON, exactly as it goes on the wire. */
      envelope: text("envelope").notNull(),
      correlationId: text("correlation_id").notNull(),
      /** W3C trace context of the transaction that wrote the event, continued by the relay. */
      traceparent: text("traceparent"),
      tracestate: text("tracestate"),
      createdAt: integer("created_at").notNull(),
      sentAt: integer("sent_at"),
      attempts: integer("attempts").notNull().default(0),
      lastError: text("last_error"),
    },
    (table) => [index("outbox_pending").on(table.sentAt, table.seq)],
  );
}

export function inboxTable() {
  return sqliteTable(
    "inbox",
    {
      consumer: text("consumer").notNull(),
      eventId: text("event_id").notNull(),
      subject: text("subject").notNull(),
      handledAt: integer("handled_at").notNull(),
    },
    (table) => [primaryKey({ columns: [table.consumer, table.eventId] }), index("inbox_handled_at").on(table.handledAt)],
  );
}

/**
 * How far each of a worker's consumers has applied each stream it reads: the last stream sequence
 * and the time of the last event applied, written in the transaction of each event's effect
 * (createEventConsumer, given the table). Read models answer their position and lag from it.
 */
export function consumerPositionsTable() {
  return sqliteTable(
    "consumer_positions",
    {
      consumer: text("consumer").notNull(),
      stream: text("stream").notNull(),
      lastSequence: integer("last_sequence").notNull(),
      /** occurredAt of the last event applied, in ms since the epoch. */
      lastEventAt: integer("last_event_at").notNull(),
      updatedAt: integer("updated_at").notNull(),
    },
    (table) => [primaryKey({ columns: [table.consumer, table.stream] })],
  );
}

export type OutboxTable = ReturnType<typeof outboxTable>;
export type InboxTable = ReturnType<typeof inboxTable>;
export type ConsumerPositionsTable = ReturnType<typeof consumerPositionsTable>;
