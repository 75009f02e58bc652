/**
 * What a consumer does with one delivered message, on the NATS side of the decisions in
 * delivery.ts and inbox.ts: applies it in the producer's trace and correlation and acks after
 * commit, naks a failure to come again, or dead-letters (then terminates) a malformed or poison
 * message. Counts every outcome in the consumer's health and metrics.
 *
 * @example
 *   const handleMessage = createMessageHandler({ name, stream, handlers, maxDeliver: 5, stats, metrics, log, apply });
 *   for await (const msg of messages) await handleMessage(nc, msg);
 */
import type { JsMsg, NatsConnection } from "nats";
import type { Logger } from "../core/logger";
import { runInRequestScope } from "../core/request-scope";
import { consumerMetrics, traceConsume } from "../../telemetry/messaging";
import { afterHandlerFailure, describeError, readMessage } from "./delivery";
import { ensureDeadLetterStream, publishDeadLetter } from "./dlq";
import { isRetryablePublishError } from "./outbox-round";
import type { EventEnvelope } from "./envelope";
import type { ApplyOutcome, Delivery, EventHandler } from "./inbox";
import { backoffDelay, type BackoffSettings } from "./timing";

export interface ConsumerHealth {
  handled: number;
  duplicates: number;
  failed: number;
  deadLettered: number;
  ignored: number;
  consuming: boolean;
  lastError?: string;
  /** Dead letters the broker could not take yet (a leader election: isRetryablePublishError); the message is kept and tried again. */
  publishRetries?: number;
  /** Messages still pending for the consumer after the last delivery (nats.js info.pending): its lag, learnt with no request to the broker. */
  pending?: number;
  /** When the last message was delivered (ISO time). */
  lastDeliveredAt?: string;
}

export interface MessageHandling {
  /** The consumer's name: the DLQ subject token. */
  name: string;
  stream: string;
  handlers: Record<string, EventHandler<any>>;
  maxDeliver: number;
  nakDelay?: BackoffSettings;
  /** Copies of the dead-letter stream the cluster keeps (STREAM_REPLICAS). */
  replicas?: number;
  /** Counted into as messages are handled. */
  stats: ConsumerHealth;
  metrics: ReturnType<typeof consumerMetrics>;
  log: Logger;
  /** Applies the event once (applyOnce with the consumer's db and inbox). */
  apply(event: EventEnvelope, handler: EventHandler<any>, delivery: Delivery): ApplyOutcome;
}

export function createMessageHandler(c: MessageHandling): (nc: NatsConnection, msg: JsMsg) => Promise<void> {
  const { stats, metrics, log } = c;
  let deadLettersReady: NatsConnection | undefined; // the DLQ stream, ensured once per connection

  const deadLetter = async (nc: NatsConnection, msg: JsMsg, error: string, attempts: number) => {
    try {
      if (deadLettersReady !== nc) {
        await ensureDeadLetterStream(nc, { replicas: c.replicas });
        deadLettersReady = nc;
      }
      await publishDeadLetter(nc, { msg, consumer: c.name, error, attempts });
      msg.term(error.slice(0, 200));
      stats.deadLettered += 1;
      metrics.deadLettered(msg.subject);
      log.warn({ subject: msg.subject, streamSeq: msg.info.streamSequence, attempts, error }, "message sent to the dead letters");
    } catch (publishError) {
      // The dead letters are unreachable: keep the message and try again later.
      if (isRetryablePublishError(publishError)) stats.publishRetries = (stats.publishRetries ?? 0) + 1;
      log.error({ err: publishError, subject: msg.subject }, "could not dead-letter a message; will retry");
      msg.nak(backoffDelay(attempts, c.nakDelay));
    }
  };

  return async (nc, msg) => {
    const attempts = msg.info.deliveryCount;
    stats.pending = msg.info.pending;
    stats.lastDeliveredAt = new Date().toISOString();
    const read = readMessage(msg.subject, msg.string(), c.handlers);
    if (read.kind === "malformed") return deadLetter(nc, msg, read.error, attempts);
    if (read.kind === "ignored") {
      stats.ignored += 1;
      return msg.ack();
    }
    const { event, handler } = read;
    // Continue the producer's trace (a consumer span) and correlation, so events this handler enqueues carry both.
    metrics.delivered(msg.subject, attempts);
    const message = { subject: msg.subject, eventId: event.id, consumer: c.name, deliveryCount: attempts, headers: msg.headers ?? {} };
    try {
      const outcome = runInRequestScope({ correlationId: event.correlationId, causationId: event.id }, () =>
        traceConsume(message, () => c.apply(event, handler, { stream: c.stream, streamSequence: msg.info.streamSequence })),
      );
      stats[outcome === "handled" ? "handled" : "duplicates"] += 1;
    } catch (error) {
      stats.failed += 1;
      stats.lastError = describeError(error);
      const next = afterHandlerFailure(attempts, c.maxDeliver, c.nakDelay);
      if (next.action === "dead-letter") return deadLetter(nc, msg, describeError(error), attempts);
      log.warn({ err: error, subject: msg.subject, eventId: event.id, attempts }, "handler failed; will retry");
      return msg.nak(next.delayMs);
    }
    msg.ack();
  };
}
