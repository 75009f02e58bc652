/**
 * The outbox relay: publishes a worker's outbox rows to its JetStream stream in `seq` order and
 * marks them sent only after the broker's ack. Publishes are pipelined: up to `windowBatches`
 * batches are in flight, the next read while earlier acks are pending, each marked once its acks
 * are in; rows of one aggregate go out one after another (each after the previous one's ack), so
 * the stream keeps order per aggregate even when a publish fails (outbox-round.ts decides all
 * this; this file is the loop and the NATS side). `Nats-Msg-Id` = event id, so a row published
 * twice (relay killed between publish and mark) is dropped by the broker inside the duplicate
 * window; consumers' inboxes catch the rest. While NATS is away it backs off and the backlog
 * shows in health().
 *
 * @example
 *   const relay = createOutboxRelay({ db, outbox, owner: "users", nats, logger, signal: database.outboxSignal });
 *   // createWorker (shared/worker/worker.ts) builds it from a worker's `outbox` and deps: workers do not call this.
 */
import { headers as natsHeaders, type JetStreamClient, type NatsConnection } from "nats";
import type { WorkerDb } from "../db/db";
import type { Logger } from "../core/logger";
import { correlationHeader, runInBackgroundScope } from "../core/request-scope";
import type { WorkerLoop } from "../core/loop";
import { observeOutbox, tracePublish } from "../../telemetry/messaging";
import type { NatsConnectionProvider } from "./nats";
import type { OutboxSignal } from "../db/outbox-signal";
import { createOutboxReader, publishRound, type OutboxBacklog, type OutboxReader, type OutboxRelayStats, type PublishRow } from "./outbox-round";
import { runRetryLoop, type RetryLoop } from "./retry-loop";
import { ensureStream, type StreamSettings } from "./streams";
import type { OutboxTable } from "./tables";
import { createSleeper, type BackoffSettings, type Sleeper } from "./timing";

export type { OutboxBacklog, OutboxRelayStats } from "./outbox-round";

export interface OutboxRelayOptions {
  db: WorkerDb<any>;
  outbox: OutboxTable;
  /** The publishing worker; its stream (`streamOf(owner)`) is created or updated before publishing. */
  owner: string;
  nats: NatsConnectionProvider;
  logger: Logger;
  /** Rows per pipelined batch. Default 100. */
  batchSize?: number;
  /** Batches whose publishes may be in flight at once (the next is read while acks are pending). Default 2. */
  windowBatches?: number;
  /** Wakes the relay after each commit that wrote outbox rows (the database's, deps.outboxSignal); without it the relay only polls. */
  signal?: OutboxSignal;
  /** Safety-net poll; new rows normally wake the relay at once. Default 1000 ms. */
  pollIntervalMs?: number;
  publishTimeoutMs?: number;
  backoff?: BackoffSettings;
  stream?: StreamSettings;
  now?: () => number;
}

export interface OutboxRelay extends WorkerLoop {
  /** Wakes the relay now (enqueueEvent already does this after each write). */
  notify(): void;
  backlog(): OutboxBacklog;
  stats(): OutboxRelayStats;
  health(): { outbox: OutboxBacklog & { publishRetries?: number; lastError?: string } };
}

const encoder = new TextEncoder();

/** A row's publish: a span continuing the trace stored on the row, its own context in the headers, Nats-Msg-Id = event id. */
function publishWith(js: JetStreamClient, timeout: number): PublishRow {
  return (row) =>
    tracePublish(row, (traceHeaders) => {
      const h = natsHeaders();
      for (const [key, value] of Object.entries(traceHeaders)) h.set(key, value);
      h.set(correlationHeader, row.correlationId);
      return js.publish(row.subject, encoder.encode(row.envelope), { msgID: row.eventId, headers: h, timeout });
    });
}

export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, outbox, owner, nats, logger } = options;
  const now = options.now ?? Date.now;
  const log = logger.child({ loop: "outbox-relay", stream: owner });
  const reader = createOutboxReader(db, outbox, options.batchSize ?? 100);
  const sleeper = createSleeper();
  const stats: OutboxRelayStats = { published: 0, duplicates: 0, failed: 0, batches: 0, publishRetries: 0 };
  let stopped = true;
  let running: Promise<void> | undefined;
  let unsubscribe: (() => void) | undefined;
  let stopObserving: (() => void) | undefined;
  const backlog = (): OutboxBacklog => reader.backlog(now());
  const relay = createRelayPass({ options, reader, stats, now, log, sleeper, backlog, stopped: () => stopped });
  const run = () => runRetryLoop({ stopped: () => stopped, sleeper, nats, backoff: options.backoff, pass: relay.pass, failed: relay.failed });

  return {
    name: `outbox-relay:${owner}`,
    notify: () => sleeper.wake(),
    backlog,
    stats: () => ({ ...stats }),
    start() {
      if (!stopped) return;
      stopped = false;
      unsubscribe = options.signal?.subscribe(() => sleeper.wake());
      stopObserving = observeOutbox(owner, backlog, () => stats.publishRetries);
      running = run();
    },
    async stop() {
      stopped = true;
      unsubscribe?.();
      stopObserving?.();
      sleeper.interrupt();
      await running;
    },
    health: () => {
      const lastError = relay.lastError();
      // publishRetries: publishes the broker could not take yet (a leader election), retried in order.
      return { outbox: { ...backlog(), ...(stats.publishRetries > 0 ? { publishRetries: stats.publishRetries } : {}), ...(lastError ? { lastError } : {}) } };
    },
  };
}

interface RelayPassOptions {
  options: OutboxRelayOptions;
  reader: OutboxReader;
  stats: OutboxRelayStats;
  now: () => number;
  log: Logger;
  sleeper: Sleeper;
  backlog: () => OutboxBacklog;
  stopped: () => boolean;
}

/**
 * A pass of the relay's retry loop: ensures the stream once per connection,
 * publishes a round, then sleeps while the outbox is drained; `failed` records why it could not.
 */
function createRelayPass(c: RelayPassOptions): Pick<RetryLoop, "pass" | "failed"> & { lastError(): string | undefined } {
  const { options, log, sleeper } = c;
  const { db, outbox, owner } = options;
  let streamReady: NatsConnection | undefined;
  let lastError: string | undefined;

  const round = (nc: NatsConnection) =>
    publishRound({
      db,
      outbox,
      reader: c.reader,
      stats: c.stats,
      now: c.now,
      stopped: c.stopped,
      windowBatches: Math.max(1, options.windowBatches ?? 2),
      publish: publishWith(nc.jetstream(), options.publishTimeoutMs ?? 5000),
    });

  const pass = async (succeeded: () => number) => {
    const nc = options.nats.current();
    if (!nc) throw new Error("NATS is not connected");
    if (streamReady !== nc) {
      await ensureStream(await nc.jetstreamManager(), owner, { replicas: options.nats.streamReplicas, ...options.stream });
      streamReady = nc;
    }
    // Stopped while the stream was being ensured: no round ran, so it must not clear lastError.
    if (c.stopped()) return;
    sleeper.clearWake();
    const { drained } = await runInBackgroundScope(`outbox-relay.${owner}`, () => round(nc));
    if (succeeded() > 0) log.info({ backlog: c.backlog() }, "outbox relay publishing again");
    lastError = undefined;
    if (drained) await sleeper.sleep(options.pollIntervalMs ?? 1000, { wakeable: true });
  };

  const failed: RetryLoop["failed"] = (error, { failures, firstConnect }) => {
    streamReady = undefined; // the stream may be gone (a fresh server): ensure it again
    lastError = String((error as Error)?.message ?? error);
    if (failures === 0 && !firstConnect) log.warn({ err: error, backlog: c.backlog() }, "outbox relay cannot publish; events wait in the outbox");
  };

  return { pass, failed, lastError: () => lastError };
}
