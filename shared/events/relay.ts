/**
 * The outbox relay: publishes a worker's outbox rows to its JetStream stream in `seq` order and
 * marks them sent only after the broker's ack. Publishes are pipelined: up to `windowBatches`
 * batches are in flight, the next read while earlier acks are pending, each marked once its acks
 * are in; rows of one aggregate go out one after another (each after the previous one's ack), so
 * the stream keeps order per aggregate even when a publish fails. `Nats-Msg-Id` = event id, so a row published twice (relay killed between
 * publish and mark) is dropped by the broker inside the duplicate window; consumers' inboxes
 * catch the rest. While NATS is away it backs off and the backlog shows in health().
 *
 * @example
 *   const relay = createOutboxRelay({ db, outbox, owner: "users", nats, logger, signal: database.outboxSignal });
 *   // createWorker (shared/worker.ts) builds it from a worker's `outbox` and deps: workers do not call this.
 */
import { and, asc, count, eq, gt, inArray, isNull, min, sql } from "drizzle-orm";
import { headers as natsHeaders, type JetStreamClient, type NatsConnection, type PubAck } from "nats";
import type { WorkerDb } from "../db";
import type { Logger } from "../logger";
import { correlationHeader, runInBackgroundScope } from "../request-scope";
import type { WorkerLoop } from "../worker-loop";
import { observeOutbox, tracePublish } from "../../telemetry/messaging";
import { awaitingFirstConnect, type NatsConnectionProvider } from "./nats";
import type { OutboxSignal } from "./outbox-signal";
import { defaultRetentionMs, pruneEventTables } from "./prune";
import { ensureStream, type StreamSettings } from "./streams";
import type { InboxTable, OutboxTable } from "./tables";
import { createSleeper, backoffDelay, type BackoffSettings } from "./timing";

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
  /** Sent outbox rows (and inbox rows, when `inbox` is given) older than this are pruned. Default 7 days (prune.ts says why). */
  retentionMs?: number;
  inbox?: InboxTable;
  /** Wakes the relay after each commit that wrote outbox rows (the database's, deps.outboxSignal); without it the relay only polls. */
  signal?: OutboxSignal;
  /** Safety-net poll; new rows normally wake the relay at once. Default 1000 ms. */
  pollIntervalMs?: number;
  pruneIntervalMs?: number;
  publishTimeoutMs?: number;
  backoff?: BackoffSettings;
  stream?: StreamSettings;
  now?: () => number;
}

export interface OutboxBacklog {
  pending: number;
  oldestAgeMs: number;
}

export interface OutboxRelayStats {
  /** Rows acked by the broker (duplicates included). */
  published: number;
  /** Acks saying the broker already had the message (a republish inside the duplicate window). */
  duplicates: number;
  failed: number;
  batches: number;
}

export interface OutboxRelay extends WorkerLoop {
  /** Wakes the relay now (enqueueEvent already does this after each write). */
  notify(): void;
  backlog(): OutboxBacklog;
  stats(): OutboxRelayStats;
  health(): { outbox: OutboxBacklog & { lastError?: string } };
}

const encoder = new TextEncoder();

/** A row not published because an earlier row of its aggregate failed in the same round. */
class HeldBack extends Error {
  constructor(aggregateId: string) {
    super(`held back behind an earlier failed event of aggregate ${aggregateId}`);
  }
}

export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, outbox, owner, nats, logger } = options;
  const batchSize = options.batchSize ?? 100;
  const windowBatches = Math.max(1, options.windowBatches ?? 2);
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const pruneIntervalMs = options.pruneIntervalMs ?? 60_000;
  const now = options.now ?? Date.now;
  const log = logger.child({ loop: "outbox-relay", stream: owner });
  const sleeper = createSleeper();
  let stopped = true;
  let running: Promise<void> | undefined;
  let unsubscribe: (() => void) | undefined;
  let streamReady: NatsConnection | undefined;
  let lastError: string | undefined;
  let lastPruneAt = 0;
  let stopObserving: (() => void) | undefined;
  const stats: OutboxRelayStats = { published: 0, duplicates: 0, failed: 0, batches: 0 };

  const backlog = (): OutboxBacklog => {
    const row = db
      .select({ pending: count(), oldest: min(outbox.createdAt) })
      .from(outbox)
      .where(isNull(outbox.sentAt))
      .get();
    const oldest = row?.oldest ?? null;
    return { pending: row?.pending ?? 0, oldestAgeMs: oldest === null ? 0 : Math.max(0, now() - oldest) };
  };

  type OutboxRow = typeof outbox.$inferSelect;
  // Built once: Drizzle would otherwise rebuild the SQL and SQLite re-prepare it per batch.
  const pendingAfter = db
    .select()
    .from(outbox)
    .where(and(isNull(outbox.sentAt), gt(outbox.seq, sql.placeholder("after"))))
    .orderBy(asc(outbox.seq))
    .limit(batchSize)
    .prepare();

  /**
   * Publishes a batch. Rows of different aggregates go out at once (pipelined); a row whose
   * aggregate has an earlier row still in flight in this round waits for that row's ack, and is
   * not published at all if it failed. Publishing it anyway would let the stream hold it before
   * the earlier row's republish: order per aggregate would be lost, not just its marking.
   * `lastOfAggregate` spans the round's batches.
   */
  const publishRows = (js: JetStreamClient, rows: OutboxRow[], lastOfAggregate: Map<string, Promise<PubAck>>) =>
    Promise.allSettled(
      rows.map((row) => {
        // Each publish is a span continuing the trace stored on the row; its own context rides in the headers.
        const publish = () =>
          tracePublish(row, (traceHeaders) => {
            const h = natsHeaders();
            for (const [key, value] of Object.entries(traceHeaders)) h.set(key, value);
            h.set(correlationHeader, row.correlationId);
            return js.publish(row.subject, encoder.encode(row.envelope), { msgID: row.eventId, headers: h, timeout: options.publishTimeoutMs ?? 5000 });
          });
        const earlier = lastOfAggregate.get(row.aggregateId);
        const published = earlier
          ? earlier.then(publish, () => {
              throw new HeldBack(row.aggregateId);
            })
          : publish();
        lastOfAggregate.set(row.aggregateId, published);
        return published;
      }),
    );

  /**
   * Marks a batch whose acks are all in. A row is fulfilled only after every earlier row of its
   * aggregate in the round was (publishRows chains them), so no row is marked sent ahead of one it
   * follows; rows held back behind a failure were never sent, and the next round sends them in order.
   */
  const settleBatch = (rows: OutboxRow[], acks: PromiseSettledResult<PubAck>[]) => {
    const sent: number[] = [];
    const failed: { seq: number; error: string }[] = [];
    rows.forEach((row, i) => {
      const ack = acks[i]!;
      if (ack.status === "fulfilled") {
        stats.published += 1;
        if (ack.value.duplicate) stats.duplicates += 1;
        sent.push(row.seq);
      } else if (!(ack.reason instanceof HeldBack)) {
        // A held-back row was never tried: no attempt to count, the earlier row's error says why.
        stats.failed += 1;
        failed.push({ seq: row.seq, error: String((ack.reason as Error)?.message ?? ack.reason) });
      }
    });
    const sentAt = now();
    db.transaction(
      (tx) => {
        if (sent.length > 0) tx.update(outbox).set({ sentAt }).where(and(inArray(outbox.seq, sent), isNull(outbox.sentAt))).run();
        for (const f of failed) {
          tx.update(outbox).set({ attempts: sql`${outbox.attempts} + 1`, lastError: f.error }).where(eq(outbox.seq, f.seq)).run();
        }
      },
      { behavior: "immediate" },
    );
    return failed;
  };

  /**
   * Publishes what is pending, keeping up to `windowBatches` batches in flight: the next batch is
   * read and published while earlier acks are pending, and batches are settled in seq order. A
   * failure stops reading; what is in flight is settled, then the round throws (backoff).
   * Returns whether the outbox looked drained (the last read came back short).
   */
  const publishRound = async (nc: NatsConnection): Promise<{ drained: boolean }> => {
    const js = nc.jetstream();
    const inFlight: { rows: OutboxRow[]; acks: Promise<PromiseSettledResult<PubAck>[]> }[] = [];
    const lastOfAggregate = new Map<string, Promise<PubAck>>();
    let after = 0;
    let drained = false;
    let failure: { count: number; first: string; rows: number } | undefined;
    for (;;) {
      while (!drained && !failure && !stopped && inFlight.length < windowBatches) {
        const rows = pendingAfter.all({ after }) as OutboxRow[];
        stats.batches += 1;
        if (rows.length < batchSize) drained = true;
        if (rows.length === 0) break;
        after = rows[rows.length - 1]!.seq;
        inFlight.push({ rows, acks: publishRows(js, rows, lastOfAggregate) });
      }
      const batch = inFlight.shift();
      if (!batch) break;
      const failed = settleBatch(batch.rows, await batch.acks);
      if (failed.length > 0) {
        failure ??= { count: 0, first: failed[0]!.error, rows: 0 };
        failure.count += failed.length;
      }
      if (failure) failure.rows += batch.rows.length;
    }
    if (failure) throw new Error(`${failure.count} of ${failure.rows} publishes failed: ${failure.first}`);
    return { drained: drained || stopped };
  };

  const prune = () => {
    if (now() - lastPruneAt < pruneIntervalMs) return;
    lastPruneAt = now();
    const pruned = runInBackgroundScope(`event-prune.${owner}`, () =>
      pruneEventTables(db, { outbox, inbox: options.inbox, retentionMs: options.retentionMs ?? defaultRetentionMs, now: now() }),
    );
    if (pruned.outbox + pruned.inbox > 0) log.debug(pruned, "pruned old outbox/inbox rows");
  };

  const run = async () => {
    const startedAt = Date.now();
    let failures = 0;
    while (!stopped) {
      try {
        prune();
        const nc = nats.current();
        if (!nc) throw new Error("NATS is not connected");
        if (streamReady !== nc) {
          await ensureStream(await nc.jetstreamManager(), owner, options.stream);
          streamReady = nc;
        }
        // Stopped while the stream was being ensured: no round ran, so it must not clear lastError.
        if (stopped) break;
        sleeper.clearWake();
        const { drained } = await runInBackgroundScope(`outbox-relay.${owner}`, () => publishRound(nc));
        if (failures > 0) log.info({ backlog: backlog() }, "outbox relay publishing again");
        failures = 0;
        lastError = undefined;
        if (drained) await sleeper.sleep(pollIntervalMs, { wakeable: true });
      } catch (error) {
        streamReady = undefined; // the stream may be gone (a fresh server): ensure it again
        lastError = String((error as Error)?.message ?? error);
        // The first connect is still under way at start-up: wait quietly, warn only once it is late.
        const firstConnect = awaitingFirstConnect(nats, startedAt);
        if (failures === 0 && !firstConnect) log.warn({ err: error, backlog: backlog() }, "outbox relay cannot publish; events wait in the outbox");
        if (firstConnect) {
          await sleeper.sleep(50, { wakeable: false });
          continue;
        }
        failures += 1;
        await sleeper.sleep(backoffDelay(failures, options.backoff), { wakeable: false });
      }
    }
  };

  return {
    name: `outbox-relay:${owner}`,
    notify: () => sleeper.wake(),
    backlog,
    stats: () => ({ ...stats }),
    start() {
      if (!stopped) return;
      stopped = false;
      unsubscribe = options.signal?.subscribe(() => sleeper.wake());
      stopObserving = observeOutbox(owner, backlog);
      running = run();
    },
    async stop() {
      stopped = true;
      unsubscribe?.();
      stopObserving?.();
      sleeper.interrupt();
      await running;
    },
    health: () => ({ outbox: { ...backlog(), ...(lastError ? { lastError } : {}) } }),
  };
}
