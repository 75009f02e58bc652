/**
 * Writes an event to the worker's outbox inside the caller's transaction, so the state change
 * and its event commit together or not at all. The data is checked against the event's schema
 * first: a bad event throws and rolls the transaction back. Never publish in the request.
 * Only a transaction is accepted (a database handle throws), so an event is never written alone;
 * the database wakes the relay once that transaction commits (outbox-signal.ts).
 *
 * @example
 *   db.transaction((tx) => {
 *     tx.insert(users).values(row).run();
 *     enqueueEvent(tx, outbox, userRegistered, { userId: row.id, ... }, { aggregateId: row.id });
 *   });
 */
import { context, propagation } from "@opentelemetry/api";
import { newId } from "../core/ids";
import { currentCorrelationId, currentRequestScope } from "../core/request-scope";
import { noteProducedEvent } from "../core/consistency-scope";
import { is, sql } from "drizzle-orm";
import { SQLiteTransaction } from "drizzle-orm/sqlite-core";
import type { WorkerTx } from "../db/db";
import type { EventData, EventDefinition, EventEnvelope } from "./envelope";
import type { OutboxTable } from "./tables";
import { outboxSignalOf } from "../db/outbox-signal";
import { preparedQuery } from "../db/prepared";

const outboxRow = {
  eventId: sql.placeholder("eventId"),
  subject: sql.placeholder("subject"),
  aggregateId: sql.placeholder("aggregateId"),
  envelope: sql.placeholder("envelope"),
  correlationId: sql.placeholder("correlationId"),
  traceparent: sql.placeholder("traceparent"),
  tracestate: sql.placeholder("tracestate"),
  createdAt: sql.placeholder("createdAt"),
};

/** The outbox insert, prepared once per database (prepared.ts). */
const insertInto = (tx: WorkerTx<any>, outbox: OutboxTable) => preparedQuery(tx, outbox, "enqueue", () => tx.insert(outbox).values(outboxRow).prepare());

export function enqueueEvent<E extends EventDefinition>(
  tx: WorkerTx<any>,
  outbox: OutboxTable,
  definition: E,
  data: EventData<E>,
  options: { aggregateId: string; now?: Date },
): EventEnvelope<EventData<E>> {
  if (!is(tx, SQLiteTransaction)) {
    throw new TypeError(`enqueueEvent(${definition.subject}) needs a transaction: call it inside db.transaction((tx) => ...) with that tx, not the database`);
  }
  const parsed = definition.schema.parse(data) as EventData<E>;
  const scope = currentRequestScope();
  const envelope: EventEnvelope<EventData<E>> = {
    id: newId(),
    type: definition.subject,
    subject: definition.subject,
    occurredAt: (options.now ?? new Date()).toISOString(),
    correlationId: scope?.correlationId ?? currentCorrelationId(),
    causationId: scope?.causationId ?? null,
    data: parsed,
  };
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  insertInto(tx, outbox).run({
    eventId: envelope.id,
    subject: envelope.subject,
    aggregateId: options.aggregateId,
    envelope: JSON.stringify(envelope),
    correlationId: envelope.correlationId,
    traceparent: carrier["traceparent"] ?? null,
    tracestate: carrier["tracestate"] ?? null,
    createdAt: Date.now(),
  });
  // Once committed, the request's answer names it in its consistency token (a rolled-back one is never named).
  const named = () => noteProducedEvent(envelope.subject, envelope.id);
  const signal = outboxSignalOf(tx);
  if (signal) signal.written(named);
  else named();
  return envelope;
}
