/**
 * The outbox relay's decisions, apart from NATS: which rows go next (unsent, in `seq` order, a
 * batch at a time, up to a window of batches in flight), in what order per aggregate (each row
 * only after its aggregate's earlier row was acked, never after one that failed), and what a
 * settled batch marks. The publish is passed in, so a round runs on SQLite alone in tests.
 *
 * @example
 *   const reader = createOutboxReader(db, outbox, 100);
 *   const { drained } = await publishRound({ db, outbox, reader, windowBatches: 2, publish, stats, now: Date.now, stopped: () => false });
 */
import { and, asc, count, eq, gt, isNull, sql } from "drizzle-orm";
import type { WorkerDb } from "../db/db";
import { preparedQuery } from "../db/prepared";
import type { OutboxTable } from "./tables";

export type OutboxRow = OutboxTable["$inferSelect"];

export interface OutboxBacklog {
  /** Unsent rows, counted up to `backlogCountCap` (then `pendingCapped`): a probe's cost stays bounded however far behind. */
  pending: number;
  oldestAgeMs: number;
  /** Present (true) when there are more unsent rows than `pending` says. */
  pendingCapped?: true;
}

/** The most unsent rows the backlog figure counts: past it the figure says "at least" and costs no more. */
export const backlogCountCap = 10_000;

export interface OutboxRelayStats {
  /** Rows acked by the broker (duplicates included). */
  published: number;
  /** Acks saying the broker already had the message (a republish inside the duplicate window). */
  duplicates: number;
  failed: number;
  batches: number;
  /**
   * Failed publishes the broker may take on a later try (isRetryablePublishError): a JetStream
   * leader election (503), no responders, a timeout. Counted in `failed` too.
   */
  publishRetries: number;
}

/**
 * Whether a failed publish is the broker being briefly unable to take it (a stream leader being
 * elected: 503 / "no responders"; or no ack in time), which a later round retries with backoff,
 * rather than a refusal (permissions, no such stream). Either way the row stays in the outbox.
 */
export function isRetryablePublishError(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; api_error?: { code?: unknown } } | undefined;
  if (e?.code === "503" || e?.code === "TIMEOUT" || e?.api_error?.code === 503) return true;
  return /no responders|timeout|timed out|temporarily unavailable|\b503\b/i.test(String(e?.message ?? error));
}

/** The broker's answer to one publish; the relay only asks whether it already had the message. */
export interface PublishAck {
  duplicate: boolean;
}

export type PublishRow = (row: OutboxRow) => Promise<PublishAck>;

/** A row not published because an earlier row of its aggregate failed in the same round. */
export class HeldBack extends Error {
  constructor(aggregateId: string) {
    super(`held back behind an earlier failed event of aggregate ${aggregateId}`);
  }
}

export interface OutboxReader {
  batchSize: number;
  /** Up to `batchSize` unsent rows with a seq above `after`, in seq order. */
  pendingAfter(after: number): OutboxRow[];
  /** Unsent rows and the age of the oldest at `now`. */
  backlog(now: number): OutboxBacklog;
}

export function createOutboxReader(db: WorkerDb<any>, outbox: OutboxTable, batchSize: number): OutboxReader {
  // Built once: Drizzle would otherwise rebuild the SQL and SQLite re-prepare it per batch.
  const pendingAfter = db
    .select()
    .from(outbox)
    .where(and(isNull(outbox.sentAt), gt(outbox.seq, sql.placeholder("after"))))
    .orderBy(asc(outbox.seq))
    .limit(batchSize)
    .prepare();
  // The backlog in O(1) of the table: the outbox_pending index (sent_at, seq) holds the unsent rows
  // first, in seq order, so the oldest is its first entry and the count stops one past the cap.
  const unsent = db
    .select({ one: sql`1` })
    .from(outbox)
    .where(isNull(outbox.sentAt))
    .limit(backlogCountCap + 1)
    .as("unsent");
  const countUnsent = db.select({ pending: count() }).from(unsent).prepare();
  const oldestUnsent = db.select({ createdAt: outbox.createdAt }).from(outbox).where(isNull(outbox.sentAt)).orderBy(asc(outbox.seq)).limit(1).prepare();
  return {
    batchSize,
    pendingAfter: (after) => pendingAfter.all({ after }) as OutboxRow[],
    backlog(now) {
      const pending = Number(countUnsent.get()?.pending ?? 0);
      const oldest = oldestUnsent.get()?.createdAt ?? null;
      return {
        pending: Math.min(pending, backlogCountCap),
        oldestAgeMs: oldest === null ? 0 : Math.max(0, now - oldest),
        ...(pending > backlogCountCap ? { pendingCapped: true as const } : {}),
      };
    },
  };
}

/**
 * Publishes a batch. Rows of different aggregates go out at once (pipelined); a row whose
 * aggregate has an earlier row still in flight in this round waits for that row's ack, and is
 * not published at all if it failed. Publishing it anyway would let the stream hold it before
 * the earlier row's republish: order per aggregate would be lost, not just its marking.
 * `lastOfAggregate` spans the round's batches.
 */
export function publishInAggregateOrder(rows: OutboxRow[], publish: PublishRow, lastOfAggregate: Map<string, Promise<PublishAck>>): Promise<PromiseSettledResult<PublishAck>[]> {
  return Promise.allSettled(
    rows.map((row) => {
      const earlier = lastOfAggregate.get(row.aggregateId);
      const published = earlier
        ? earlier.then(
            () => publish(row),
            () => {
              throw new HeldBack(row.aggregateId);
            },
          )
        : publish(row);
      lastOfAggregate.set(row.aggregateId, published);
      return published;
    }),
  );
}

/** What a settled batch marks: `sent` rows get their sentAt, `failed` rows an attempt and their error. */
export interface Settlement {
  sent: number[];
  failed: { seq: number; error: string }[];
  duplicates: number;
  /** Of `failed`, those the broker may take on a later try (isRetryablePublishError). */
  retryable: number;
}

/**
 * Reads a batch's acks. A row is fulfilled only after every earlier row of its aggregate in the
 * round was (publishInAggregateOrder chains them), so no row is marked sent ahead of one it
 * follows; a held-back row was never tried: no attempt to count, the earlier row's error says why,
 * and the next round sends it in order.
 */
export function settleAcks(rows: OutboxRow[], acks: PromiseSettledResult<PublishAck>[]): Settlement {
  const settlement: Settlement = { sent: [], failed: [], duplicates: 0, retryable: 0 };
  rows.forEach((row, i) => {
    const ack = acks[i]!;
    if (ack.status === "fulfilled") {
      settlement.sent.push(row.seq);
      if (ack.value.duplicate) settlement.duplicates += 1;
    } else if (!(ack.reason instanceof HeldBack)) {
      settlement.failed.push({ seq: row.seq, error: String((ack.reason as Error)?.message ?? ack.reason) });
      if (isRetryablePublishError(ack.reason)) settlement.retryable += 1;
    }
  });
  return settlement;
}

/**
 * The marks, prepared once per database (prepared.ts): the sent rows' seqs go in as one JSON array,
 * so one statement marks a batch of any size.
 */
function markQueries(db: WorkerDb<any>, outbox: OutboxTable) {
  return preparedQuery(db, outbox, "settle", () => ({
    sent: db
      .update(outbox)
      .set({ sentAt: sql`${sql.placeholder("sentAt")}` })
      .where(and(sql`${outbox.seq} in (select value from json_each(${sql.placeholder("seqs")}))`, isNull(outbox.sentAt)))
      .prepare(),
    failed: db
      .update(outbox)
      .set({ attempts: sql`${outbox.attempts} + 1`, lastError: sql`${sql.placeholder("error")}` })
      .where(eq(outbox.seq, sql.placeholder("seq")))
      .prepare(),
  }));
}

/** Writes a settlement in one transaction (one UPDATE for the sent rows); a row already marked sent keeps its first sentAt. */
export function markSettlement(db: WorkerDb<any>, outbox: OutboxTable, settlement: Settlement, sentAt: number): void {
  const { sent, failed } = settlement;
  const marks = markQueries(db, outbox);
  db.transaction(
    () => {
      if (sent.length > 0) marks.sent.run({ sentAt, seqs: JSON.stringify(sent) });
      for (const f of failed) marks.failed.run({ seq: f.seq, error: f.error });
    },
    { behavior: "immediate" },
  );
}

export interface PublishRoundOptions {
  db: WorkerDb<any>;
  outbox: OutboxTable;
  reader: Pick<OutboxReader, "batchSize" | "pendingAfter">;
  /** Batches whose publishes may be in flight at once. */
  windowBatches: number;
  publish: PublishRow;
  /** Counted into as the round reads and settles. */
  stats: OutboxRelayStats;
  now: () => number;
  /** Checked before each read: a stopped relay reads no further and settles what is in flight. */
  stopped: () => boolean;
}

/**
 * Publishes what is pending, keeping up to `windowBatches` batches in flight: the next batch is
 * read and published while earlier acks are pending, and batches are settled in seq order. A
 * failure stops reading; what is in flight is settled, then the round throws (the relay backs off).
 * Returns whether the outbox looked drained (the last read came back short, or the relay stopped).
 */
export async function publishRound(round: PublishRoundOptions): Promise<{ drained: boolean }> {
  const { reader, stats } = round;
  const inFlight: { rows: OutboxRow[]; acks: Promise<PromiseSettledResult<PublishAck>[]> }[] = [];
  const lastOfAggregate = new Map<string, Promise<PublishAck>>();
  let after = 0;
  let drained = false;
  let failure: { count: number; first: string; rows: number } | undefined;
  for (;;) {
    while (!drained && !failure && !round.stopped() && inFlight.length < round.windowBatches) {
      const rows = reader.pendingAfter(after);
      stats.batches += 1;
      if (rows.length < reader.batchSize) drained = true;
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.seq;
      inFlight.push({ rows, acks: publishInAggregateOrder(rows, round.publish, lastOfAggregate) });
    }
    const batch = inFlight.shift();
    if (!batch) break;
    const settlement = settleAcks(batch.rows, await batch.acks);
    stats.published += settlement.sent.length;
    stats.duplicates += settlement.duplicates;
    stats.failed += settlement.failed.length;
    stats.publishRetries += settlement.retryable;
    markSettlement(round.db, round.outbox, settlement, round.now());
    if (settlement.failed.length > 0) {
      failure ??= { count: 0, first: settlement.failed[0]!.error, rows: 0 };
      failure.count += settlement.failed.length;
    }
    if (failure) failure.rows += batch.rows.length;
  }
  if (failure) throw new Error(`${failure.count} of ${failure.rows} publishes failed: ${failure.first}`);
  return { drained: drained || round.stopped() };
}
