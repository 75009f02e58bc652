/**
 * An idempotent event consumer: a durable JetStream consumer (explicit ack) whose handlers run
 * inside an inbox check, in ONE immediate transaction with their effect, acked after commit.
 * A redelivered event (nak, crash before ack, replay) finds its id in the inbox and changes
 * nothing. A failing handler is nak'ed with a growing delay; on the Nth failed delivery, or at
 * once for a malformed message, the message goes to the dead letters and is terminated, so later
 * messages keep flowing. The consume loop is re-established after errors and broker restarts.
 *
 * @example
 *   const consumer = createEventConsumer({
 *     db, inbox, name: "catalog-stock", owner: "inventory", nats, logger,
 *     handlers: { [stockAdjusted.subject]: handleEvent(stockAdjusted, (tx, event) => applyLevels(tx, event.data.levels)) },
 *   });
 */
import { and, eq } from "drizzle-orm";
import { AckPolicy, DeliverPolicy, nanos, type ConsumerMessages, type JsMsg, type NatsConnection } from "nats";
import { ZodError } from "zod";
import type { WorkerDb, WorkerTx } from "../db";
import type { Logger } from "../logger";
import { runInRequestScope } from "../request-scope";
import type { WorkerLoop } from "../worker-loop";
import { consumerMetrics, traceConsume } from "../../telemetry/messaging";
import { publishDeadLetter } from "./dlq";
import { parseEvent, streamOf, type EventData, type EventDefinition, type EventEnvelope } from "./envelope";
import { awaitingFirstConnect, type NatsConnectionProvider } from "./nats";
import { ensureStream, isNotFound } from "./streams";
import type { InboxTable } from "./tables";
import { backoffDelay, createSleeper, type BackoffSettings } from "./timing";

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

export interface EventConsumerOptions {
  db: WorkerDb<any>;
  inbox: InboxTable;
  /** The durable consumer's name: also the inbox key and the DLQ subject token. */
  name: string;
  /** The publishing worker whose stream is read. */
  owner: string;
  /** Keyed by subject. Messages on other subjects of the filter are acked and ignored. */
  handlers: Record<string, EventHandler<any>>;
  nats: NatsConnectionProvider;
  logger: Logger;
  /** Subject filter; defaults to the handlers' subjects (several become `<owner>.>`: nats-server 2.9 takes one). */
  subjects?: string[];
  /** The delivery on which a still-failing message goes to the dead letters. Default 5. */
  maxDeliver?: number;
  ackWaitMs?: number;
  nakDelay?: BackoffSettings;
  reconnectBackoff?: BackoffSettings;
  /** Messages pulled per request. Default 64. */
  batch?: number;
}

export interface ConsumerHealth {
  handled: number;
  duplicates: number;
  failed: number;
  deadLettered: number;
  ignored: number;
  consuming: boolean;
  lastError?: string;
}

export interface EventConsumer extends WorkerLoop {
  stats(): ConsumerHealth;
  /**
   * Stops consuming and deletes the durable consumer at the broker, so the next start() reads
   * the stream from its first message (a read-model rebuild). The caller clears its own rows.
   */
  reset(): Promise<void>;
  /** Messages not yet delivered or not yet acked, per the broker; undefined without NATS. */
  backlog(): Promise<{ pending: number; ackPending: number } | undefined>;
  health(): { consumers: Record<string, ConsumerHealth> };
}

type Outcome = "handled" | "duplicate";

export function createEventConsumer(options: EventConsumerOptions): EventConsumer {
  const { db, inbox, name, owner, handlers, nats, logger } = options;
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`consumer name ${name} must be letters, digits, - or _`);
  for (const subject of Object.keys(handlers)) {
    if (!subject.startsWith(`${owner}.`)) throw new Error(`consumer ${name} reads ${owner}'s stream but handles ${subject}`);
  }
  const subjects = options.subjects ?? Object.keys(handlers);
  const filterSubject = subjects.length === 1 ? subjects[0]! : `${owner}.>`;
  const stream = streamOf(owner).name;
  const maxDeliver = options.maxDeliver ?? 5;
  const log = logger.child({ loop: "event-consumer", consumer: name, stream });
  const sleeper = createSleeper();
  const stats: ConsumerHealth = { handled: 0, duplicates: 0, failed: 0, deadLettered: 0, ignored: 0, consuming: false };
  const metrics = consumerMetrics(name);
  let stopped = true;
  let running: Promise<void> | undefined;
  let messages: ConsumerMessages | undefined;

  const ensureDurable = async (nc: NatsConnection) => {
    const jsm = await nc.jetstreamManager();
    const config = {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: filterSubject,
      ack_wait: nanos(options.ackWaitMs ?? 30_000),
      // Unlimited at the broker: this consumer decides when to dead-letter, so a crash at the
      // Nth delivery never silently drops a message.
      max_deliver: -1,
    };
    const existing = await jsm.consumers.info(stream, name).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
    if (!existing) {
      // The publisher may not have started yet: make its stream so the durable can exist.
      await jsm.streams.info(stream).catch(async (error: unknown) => {
        if (!isNotFound(error)) throw error;
        await ensureStream(jsm, owner);
      });
      await jsm.consumers.add(stream, config);
    } else if (existing.config.filter_subject !== filterSubject || existing.config.ack_wait !== config.ack_wait) {
      await jsm.consumers.update(stream, name, { filter_subject: filterSubject, ack_wait: config.ack_wait });
    }
  };

  const apply = (event: EventEnvelope, handler: EventHandler<any>, delivery: Delivery): Outcome =>
    db.transaction(
      (tx) => {
        const seen = tx
          .select({ eventId: inbox.eventId })
          .from(inbox)
          .where(and(eq(inbox.consumer, name), eq(inbox.eventId, event.id)))
          .get();
        if (seen) return "duplicate";
        const result: unknown = handler.handle(tx, event, delivery);
        if (result instanceof Promise) throw new Error(`handler of ${event.subject} returned a promise; handlers run in a synchronous transaction`);
        tx.insert(inbox).values({ consumer: name, eventId: event.id, subject: event.subject, handledAt: Date.now() }).run();
        return "handled";
      },
      { behavior: "immediate" },
    );

  const deadLetter = async (nc: NatsConnection, msg: JsMsg, error: string, attempts: number) => {
    try {
      await publishDeadLetter(nc, { msg, consumer: name, error, attempts });
      msg.term(error.slice(0, 200));
      stats.deadLettered += 1;
      metrics.deadLettered(msg.subject);
      log.warn({ subject: msg.subject, streamSeq: msg.info.streamSequence, attempts, error }, "message sent to the dead letters");
    } catch (publishError) {
      // The dead letters are unreachable: keep the message and try again later.
      log.error({ err: publishError, subject: msg.subject }, "could not dead-letter a message; will retry");
      msg.nak(backoffDelay(attempts, options.nakDelay));
    }
  };

  const handleMessage = async (nc: NatsConnection, msg: JsMsg) => {
    const attempts = msg.info.deliveryCount;
    let raw: unknown;
    try {
      raw = JSON.parse(msg.string());
    } catch (error) {
      return deadLetter(nc, msg, `malformed message: not JSON (${(error as Error).message})`, attempts);
    }
    const handler = handlers[msg.subject];
    if (!handler) {
      stats.ignored += 1;
      return msg.ack();
    }
    let event: EventEnvelope;
    try {
      event = parseEvent(handler.definition, raw);
      if (event.subject !== msg.subject) throw new Error(`envelope subject ${event.subject} is not the message subject ${msg.subject}`);
    } catch (error) {
      return deadLetter(nc, msg, `malformed message: ${describeError(error)}`, attempts);
    }
    // Continue the producer's trace (a consumer span) and correlation, so events this handler enqueues carry both.
    metrics.delivered(msg.subject, attempts);
    const message = { subject: msg.subject, eventId: event.id, consumer: name, deliveryCount: attempts, headers: msg.headers ?? {} };
    try {
      const outcome = runInRequestScope({ correlationId: event.correlationId, causationId: event.id }, () =>
        traceConsume(message, () =>
          apply(event, handler, { stream, streamSequence: msg.info.streamSequence }),
        ),
      );
      stats[outcome === "handled" ? "handled" : "duplicates"] += 1;
    } catch (error) {
      stats.failed += 1;
      stats.lastError = describeError(error);
      if (attempts >= maxDeliver) return deadLetter(nc, msg, describeError(error), attempts);
      log.warn({ err: error, subject: msg.subject, eventId: event.id, attempts }, "handler failed; will retry");
      return msg.nak(backoffDelay(attempts, options.nakDelay ?? { initialMs: 500, maxMs: 30_000 }));
    }
    msg.ack();
  };

  /**
   * Ends the current consume: unsubscribes at once. Not awaited on purpose: nats.js settles
   * close() only once the loop reads the iterator again, which never happens when the loop is
   * not reading it (stopped while setting up, or while a message was being handled).
   */
  const closeMessages = () => void messages?.close().catch(() => undefined);

  const run = async () => {
    const startedAt = Date.now();
    let failures = 0;
    while (!stopped) {
      try {
        const nc = nats.current();
        if (!nc) throw new Error("NATS is not connected");
        await ensureDurable(nc);
        const consumer = await nc.jetstream().consumers.get(stream, name);
        messages = await consumer.consume({ max_messages: options.batch ?? 64, abort_on_missing_resource: true });
        // stop() came while the consumer was being set up: it had nothing to close, and this loop
        // would wait on the new messages for good (a worker SIGTERMed at start-up never exited).
        if (stopped) break;
        stats.consuming = true;
        if (failures > 0) {
          log.info("consuming again");
          // The loop's error is over; /health/ready must not keep showing it next to consuming: true.
          stats.lastError = undefined;
        }
        failures = 0;
        for await (const msg of messages) {
          await handleMessage(nc, msg);
          if (stopped) break;
        }
        if (!stopped) throw new Error("consume loop ended");
      } catch (error) {
        stats.consuming = false;
        closeMessages(); // a consume left by a throw would keep its subscription
        if (stopped) break;
        // The worker's first connect is still under way at start-up: wait quietly, warn only once it is late.
        if (awaitingFirstConnect(nats, startedAt)) {
          await sleeper.sleep(50, { wakeable: false });
          continue;
        }
        stats.lastError = describeError(error);
        if (failures === 0) log.warn({ err: error }, "consumer is not consuming; retrying");
        failures += 1;
        await sleeper.sleep(backoffDelay(failures, options.reconnectBackoff), { wakeable: false });
      }
    }
    stats.consuming = false;
    closeMessages();
  };

  const stop = async () => {
    stopped = true;
    sleeper.interrupt();
    closeMessages();
    await running;
  };

  return {
    name: `event-consumer:${name}`,
    stats: () => ({ ...stats }),
    start() {
      if (!stopped) return;
      stopped = false;
      running = run();
    },
    stop,
    async reset() {
      await stop();
      const nc = nats.current();
      if (!nc) throw new Error("NATS is not connected: cannot reset the durable consumer");
      const jsm = await nc.jetstreamManager();
      await jsm.consumers.delete(stream, name).catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
    },
    async backlog() {
      const nc = nats.current();
      if (!nc) return undefined;
      const jsm = await nc.jetstreamManager();
      const info = await jsm.consumers.info(stream, name).catch(() => undefined);
      return info ? { pending: info.num_pending, ackPending: info.num_ack_pending } : undefined;
    },
    health: () => ({ consumers: { [name]: { ...stats } } }),
  };
}

/** One line: zod issues as `path: message`, other errors by message. */
export function describeError(error: unknown): string {
  if (error instanceof ZodError) {
    return error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`).join("; ");
  }
  return error instanceof Error ? error.message : String(error);
}
