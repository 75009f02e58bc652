/**
 * An idempotent event consumer: a durable JetStream consumer (explicit ack) whose handlers run
 * inside an inbox check, in ONE immediate transaction with their effect, acked after commit.
 * A redelivered event (nak, crash before ack, replay) finds its id in the inbox and changes
 * nothing. A failing handler is nak'ed with a growing delay; on the Nth failed delivery, or at
 * once for a malformed message, the message goes to the dead letters and is terminated, so later
 * messages keep flowing. The consume loop is re-established after errors and broker restarts.
 * The decisions live beside it (delivery.ts: what a message is and when it is poison; inbox.ts:
 * apply-once; durable.ts: the durable at the broker); this file is the loop.
 *
 * @example
 *   const consumer = createEventConsumer({
 *     db, inbox, name: "catalog-stock", owner: "inventory", nats, logger,
 *     handlers: { [stockAdjusted.subject]: handleEvent(stockAdjusted, (tx, event) => applyLevels(tx, event.data.levels)) },
 *   });
 */
import type { ConsumerMessages, JsMsg, NatsConnection } from "nats";
import type { WorkerDb } from "../db/db";
import type { Logger } from "../core/logger";
import type { WorkerLoop } from "../core/loop";
import { consumerMetrics, observeConsumerLag } from "../../telemetry/messaging";
import { createMessageHandler, type ConsumerHealth } from "./consumer-messages";
import { consumerTarget, describeError } from "./delivery";
import { deleteDurable, durableBacklog, ensureDurable, type DurableSpec } from "./durable";
import { applyOnce, type EventHandler } from "./inbox";
import type { NatsConnectionProvider } from "./nats";
import { runRetryLoop, type RetryLoop } from "./retry-loop";
import { recordingPositions } from "./positions";
import type { ConsumerPositionsTable, InboxTable } from "./tables";
import type { EventEnvelope } from "./envelope";
import type { Delivery } from "./inbox";
import { createSleeper, type BackoffSettings } from "./timing";

export type { ConsumerHealth } from "./consumer-messages";
export { describeError } from "./delivery";
export { handleEvent, type Delivery, type EventHandler } from "./inbox";

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
  /** How long the broker waits for an ack before redelivering. Default 30 s. */
  ackWaitMs?: number;
  /** Delays before a failed message comes again. Default 500 ms, doubling up to 30 s (delivery.ts). */
  nakDelay?: BackoffSettings;
  /** Backoff between attempts to consume again after the loop failed. */
  reconnectBackoff?: BackoffSettings;
  /** Messages pulled per request. Default 64. */
  batch?: number;
  /** Where the consumer records how far it has applied each stream, in each event's transaction (positions.ts). */
  positions?: ConsumerPositionsTable;
  /** Told right after the commit of each event's transaction, handled or a duplicate (a read-model gate wakes its readers). */
  onApplied?: (event: EventEnvelope, delivery: Delivery) => void;
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

export function createEventConsumer(options: EventConsumerOptions): EventConsumer {
  const { db, inbox, name, owner, nats, logger } = options;
  const { stream, filterSubject } = consumerTarget(name, owner, options.handlers, options.subjects);
  const handlers = options.positions ? recordingPositions(options.handlers, options.positions, name) : options.handlers;
  const log = logger.child({ loop: "event-consumer", consumer: name, stream });
  const sleeper = createSleeper();
  const stats: ConsumerHealth = { handled: 0, duplicates: 0, failed: 0, deadLettered: 0, ignored: 0, consuming: false };
  let stopped = true;
  let running: Promise<void> | undefined;
  let unobserveLag: (() => void) | undefined;
  const consume = createConsumePass({
    nats,
    stats,
    log,
    batch: options.batch ?? 64,
    stopped: () => stopped,
    durable: { owner, stream, name, filterSubject, ackWaitMs: options.ackWaitMs ?? 30_000, replicas: nats.streamReplicas },
    handleMessage: createMessageHandler({
      name,
      stream,
      handlers,
      maxDeliver: options.maxDeliver ?? 5,
      nakDelay: options.nakDelay,
      replicas: nats.streamReplicas,
      stats,
      metrics: consumerMetrics(name),
      log,
      apply: (event, handler, delivery) => {
        const outcome = applyOnce(db, inbox, name, event, handler, delivery);
        options.onApplied?.(event, delivery);
        return outcome;
      },
    }),
  });

  const run = async () => {
    await runRetryLoop({ stopped: () => stopped, sleeper, nats, backoff: options.reconnectBackoff, pass: consume.pass, failed: consume.failed });
    stats.consuming = false;
    consume.close();
  };

  const stop = async () => {
    stopped = true;
    unobserveLag?.();
    unobserveLag = undefined;
    sleeper.interrupt();
    consume.close();
    await running;
  };

  return {
    name: `event-consumer:${name}`,
    stats: () => ({ ...stats }),
    start() {
      if (!stopped) return;
      stopped = false;
      unobserveLag = observeConsumerLag(name, () => stats.pending);
      running = run();
    },
    stop,
    async reset() {
      await stop();
      await deleteDurable(nats, stream, name);
    },
    backlog: () => durableBacklog(nats, stream, name),
    health: () => ({ consumers: { [name]: { ...stats } } }),
  };
}

interface ConsumePassOptions {
  nats: NatsConnectionProvider;
  durable: DurableSpec;
  batch: number;
  stats: ConsumerHealth;
  log: Logger;
  handleMessage: (nc: NatsConnection, msg: JsMsg) => Promise<void>;
  stopped: () => boolean;
}

/** A pass of the consumer's retry loop: sets up the durable and consumes until stopped; `failed` records why it could not. */
function createConsumePass(c: ConsumePassOptions): Pick<RetryLoop, "pass" | "failed"> & { close(): void } {
  const { stats, log } = c;
  let messages: ConsumerMessages | undefined;

  /**
   * Ends the current consume: unsubscribes at once. Not awaited on purpose: nats.js settles
   * close() only once the loop reads the iterator again, which never happens when the loop is
   * not reading it (stopped while setting up, or while a message was being handled).
   */
  const close = () => void messages?.close().catch(() => undefined);

  const pass = async (succeeded: () => number) => {
    const nc = c.nats.current();
    if (!nc) throw new Error("NATS is not connected");
    await ensureDurable(nc, c.durable);
    const consumer = await nc.jetstream().consumers.get(c.durable.stream, c.durable.name);
    messages = await consumer.consume({ max_messages: c.batch, abort_on_missing_resource: true });
    // stop() came while the consumer was being set up: it had nothing to close, and this loop
    // would wait on the new messages for good (a worker SIGTERMed at start-up never exited).
    if (c.stopped()) return;
    stats.consuming = true;
    if (succeeded() > 0) {
      log.info("consuming again");
      // The loop's error is over; /health/ready must not keep showing it next to consuming: true.
      stats.lastError = undefined;
    }
    for await (const msg of messages) {
      await c.handleMessage(nc, msg);
      if (c.stopped()) break;
    }
    if (!c.stopped()) throw new Error("consume loop ended");
  };

  const failed: RetryLoop["failed"] = (error, { failures, firstConnect }) => {
    stats.consuming = false;
    close(); // a consume left by a throw would keep its subscription
    if (c.stopped()) return "stop";
    // The worker's first connect is still under way: the loop waits quietly, and this is no error yet.
    if (firstConnect) return;
    stats.lastError = describeError(error);
    if (failures === 0) log.warn({ err: error }, "consumer is not consuming; retrying");
  };

  return { pass, failed, close };
}
