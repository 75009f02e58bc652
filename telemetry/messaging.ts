/**
 * Telemetry of the event hop: the outbox relay's PRODUCER span per published row (continuing the
 * trace stored on the row, its trace headers put on the message), the consumer's CONSUMER span
 * (continuing the producer's trace from the message headers), and their metrics: outbox backlog
 * and age, consumer lag, redeliveries, dead letters. shared/events/relay.ts and consumer.ts call these.
 *
 * @example
 *   await tracePublish(row, (traceHeaders) => js.publish(row.subject, data, { headers: withThem(traceHeaders) }));
 *   traceConsume({ subject, eventId, consumer, deliveryCount, headers }, () => apply(event));
 */
import { SpanKind } from "@opentelemetry/api";
import { continueFromHeaders, correlationAttribute, injectTraceHeaders, meter, withSpan } from "./spans";

export interface PublishedRow {
  subject: string;
  eventId: string;
  correlationId: string;
  traceparent: string | null;
  tracestate: string | null;
}

/** Publishes one outbox row inside a `<subject> publish` span that continues the row's trace. */
export function tracePublish<T>(row: PublishedRow, publish: (traceHeaders: Record<string, string>) => Promise<T>): Promise<T> {
  const parent = continueFromHeaders({ traceparent: row.traceparent ?? undefined, tracestate: row.tracestate ?? undefined });
  const attributes = {
    "messaging.system": "nats",
    "messaging.operation.type": "send",
    "messaging.operation.name": "publish",
    "messaging.destination.name": row.subject,
    "messaging.message.id": row.eventId,
    [correlationAttribute]: row.correlationId,
  };
  return withSpan(`${row.subject} publish`, attributes, () => publish(publishHeaders(row)), { kind: SpanKind.PRODUCER, parent });
}

/** The publish span's trace headers; the row's own when no propagator is registered (telemetry off). */
function publishHeaders(row: PublishedRow): Record<string, string> {
  const headers = injectTraceHeaders();
  if (headers["traceparent"] || !row.traceparent) return headers;
  return row.tracestate ? { traceparent: row.traceparent, tracestate: row.tracestate } : { traceparent: row.traceparent };
}

export interface ConsumedMessage {
  subject: string;
  eventId: string;
  /** The durable consumer's name. */
  consumer: string;
  deliveryCount: number;
  /** The message's headers: `traceparent`/`tracestate` are continued. */
  headers: Record<string, string | undefined> | { get(key: string): string | null | undefined };
}

/** Runs a consumer's handling of one message in a `<subject> process` span continuing the producer's trace. */
export function traceConsume<T>(message: ConsumedMessage, handle: () => T): T {
  const attributes = {
    "messaging.system": "nats",
    "messaging.operation.type": "process",
    "messaging.operation.name": "process",
    "messaging.destination.name": message.subject,
    "messaging.message.id": message.eventId,
    "messaging.consumer.group.name": message.consumer,
    "messaging.nats.delivery_count": message.deliveryCount,
  };
  return withSpan(`${message.subject} process`, attributes, handle, { kind: SpanKind.CONSUMER, parent: continueFromHeaders(message.headers) });
}

/** Counters of one consumer: redeliveries (a delivery after the first) and dead letters. */
export function consumerMetrics(consumer: string) {
  const redeliveries = meter().createCounter("consumer.redeliveries", { description: "Messages delivered again (after a nak, crash or ack timeout)" });
  const deadLetters = meter().createCounter("dead_letters", { description: "Messages a consumer gave up on and sent to the dead letters" });
  return {
    delivered(subject: string, deliveryCount: number) {
      if (deliveryCount > 1) redeliveries.add(1, { consumer, subject });
    },
    deadLettered(subject: string) {
      deadLetters.add(1, { consumer, subject });
    },
  };
}

/** `consumer.pending`: messages of the stream not yet delivered to the consumer (its lag), as it last learnt. Returns the unregister. */
export function observeConsumerLag(consumer: string, pending: () => number | undefined): () => void {
  const gauge = meter().createObservableGauge("consumer.pending", { description: "Messages not yet delivered to the consumer (its lag), as of its last delivery" });
  const observe: Parameters<typeof gauge.addCallback>[0] = (result) => result.observe(pending() ?? 0, { consumer });
  gauge.addCallback(observe);
  return () => gauge.removeCallback(observe);
}

/**
 * Gauges of an outbox: rows waiting for the relay and the age of the oldest; and a counter of
 * publishes the broker could not take yet (a leader election), retried. Returns the unregister.
 */
export function observeOutbox(owner: string, backlog: () => { pending: number; oldestAgeMs: number }, publishRetries: () => number = () => 0): () => void {
  const m = meter();
  const pending = m.createObservableGauge("outbox.pending", { description: "Outbox rows not yet acked by the broker" });
  const oldestAge = m.createObservableGauge("outbox.oldest_age_seconds", { description: "Age of the oldest outbox row not yet acked", unit: "s" });
  const retries = m.createObservableCounter("outbox.publish_retries", {
    description: "Publishes the broker could not take yet (503 leader election, no responders, timeout), retried in order",
  });
  const observe: Parameters<typeof m.addBatchObservableCallback>[0] = (result) => {
    const now = backlog();
    result.observe(pending, now.pending, { stream: owner });
    result.observe(oldestAge, now.oldestAgeMs / 1000, { stream: owner });
    result.observe(retries, publishRetries(), { stream: owner });
  };
  m.addBatchObservableCallback(observe, [pending, oldestAge, retries]);
  return () => m.removeBatchObservableCallback(observe, [pending, oldestAge, retries]);
}
