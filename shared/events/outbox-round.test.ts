/** The relay's decisions on a real SQLite outbox with a publish that is a test double: no NATS. */
import { describe, expect, it } from "vitest";
import { asc, sql } from "drizzle-orm";
import { z } from "zod";
import { useConsumerDb } from "../../test/fixtures/events-consumer/helpers";
import * as schema from "../../test/fixtures/events-consumer/schema";
import { enqueueEvent } from "./enqueue";
import { defineEvent } from "./envelope";
import {
  backlogCountCap,
  createOutboxReader,
  HeldBack,
  isRetryablePublishError,
  markSettlement,
  publishRound,
  settleAcks,
  type OutboxRelayStats,
  type OutboxRow,
  type PublishAck,
  type PublishRow,
} from "./outbox-round";

const happened = defineEvent("tests.thing.happened", z.object({ name: z.string() }));
const { outbox } = schema;

const database = useConsumerDb("outbox-round");

/** Writes one event per `aggregate:name` and returns their names in seq order. */
function enqueue(...events: string[]): string[] {
  database.db.transaction((tx) => {
    for (const spec of events) {
      const [aggregateId, name] = spec.split(":") as [string, string];
      enqueueEvent(tx, outbox, happened, { name }, { aggregateId });
    }
  });
  return events;
}

const nameOf = (row: OutboxRow) => (JSON.parse(row.envelope) as { data: { name: string } }).data.name;
const rows = () => database.db.select().from(outbox).orderBy(asc(outbox.seq)).all();
const unsent = () =>
  rows()
    .filter((r) => r.sentAt === null)
    .map(nameOf);

/**
 * A publish double: acks at once unless the row's name is in `failing` (refused) or `gated`
 * (waits for release). `calls` records the order in which rows were published.
 */
function fakePublish(options: { failing?: string[]; duplicates?: string[]; gated?: boolean } = {}) {
  const calls: string[] = [];
  const gates: (() => void)[] = [];
  const publish: PublishRow = async (row) => {
    const name = nameOf(row);
    calls.push(name);
    if (options.gated) await new Promise<void>((release) => gates.push(release));
    if (options.failing?.includes(name)) throw new Error(`refused ${name}`);
    return { duplicate: options.duplicates?.includes(name) ?? false };
  };
  const releaseAll = () => gates.splice(0).forEach((release) => release());
  return { publish, calls, releaseAll };
}

const newStats = (): OutboxRelayStats => ({ published: 0, duplicates: 0, failed: 0, batches: 0, publishRetries: 0 });

function round(publish: PublishRow, options: { batchSize?: number; windowBatches?: number; stats?: OutboxRelayStats; stopped?: () => boolean } = {}) {
  return publishRound({
    db: database.db,
    outbox,
    reader: createOutboxReader(database.db, outbox, options.batchSize ?? 100),
    windowBatches: options.windowBatches ?? 2,
    publish,
    stats: options.stats ?? newStats(),
    now: () => 1_000,
    stopped: options.stopped ?? (() => false),
  });
}

describe("which outbox rows go next", () => {
  it("reads unsent rows in seq order, a batch at a time, after a given seq", () => {
    enqueue("A:a1", "B:b1", "A:a2", "C:c1");
    const reader = createOutboxReader(database.db, outbox, 2);
    const first = reader.pendingAfter(0);
    expect(first.map(nameOf)).toEqual(["a1", "b1"]);
    expect(reader.pendingAfter(first[1]!.seq).map(nameOf)).toEqual(["a2", "c1"]);
    markSettlement(database.db, outbox, { sent: [first[0]!.seq], failed: [], duplicates: 0, retryable: 0 }, 5);
    expect(reader.pendingAfter(0).map(nameOf)).toEqual(["b1", "a2"]);
  });

  it("reports the backlog: unsent rows and the age of the oldest, 0 when none is waiting", () => {
    const reader = createOutboxReader(database.db, outbox, 100);
    expect(reader.backlog(Date.now())).toEqual({ pending: 0, oldestAgeMs: 0 });
    enqueue("A:a1", "B:b1");
    const oldest = rows()[0]!.createdAt;
    expect(reader.backlog(oldest + 250)).toEqual({ pending: 2, oldestAgeMs: 250 });
    expect(reader.backlog(oldest - 10).oldestAgeMs).toBe(0); // a clock behind the row never shows a negative age
  });

  it("counts the backlog only up to its cap, and finds it and the oldest row through the outbox_pending index, never a scan", () => {
    const { db } = database;
    const row = (n: number, sentAt: number | null) => ({
      eventId: `e${n}`,
      subject: "tests.thing.happened",
      aggregateId: "a",
      envelope: "{}",
      correlationId: "c",
      createdAt: 1_000 + n,
      sentAt,
    });
    for (let from = 0; from < backlogCountCap + 500; from += 1_000) {
      db.insert(outbox)
        .values(Array.from({ length: 1_000 }, (_, i) => row(from + i, from + i < 300 ? 5 : null)))
        .run();
    }
    expect(createOutboxReader(db, outbox, 100).backlog(2_000)).toEqual({ pending: backlogCountCap, oldestAgeMs: 2_000 - 1_300, pendingCapped: true });
    const plans = [
      `select count(*) from (select 1 from outbox where sent_at is null limit ${backlogCountCap + 1})`,
      "select created_at from outbox where sent_at is null order by seq limit 1",
    ].map((query) => (database.db.all(sql.raw(`explain query plan ${query}`)) as { detail: string }[]).map((step) => step.detail).join("; "));
    for (const plan of plans) {
      expect(plan).toMatch(/USING (COVERING )?INDEX outbox_pending/);
      expect(plan).not.toMatch(/SCAN outbox(?! USING)/);
    }
  });
});

describe("a publish round", () => {
  it("publishes every pending row in seq order, marks each sent after its ack, and says the outbox is drained", async () => {
    const names = enqueue("A:a1", "B:b1", "A:a2", "B:b2", "C:c1");
    const fake = fakePublish({ duplicates: ["b2"] });
    const stats = newStats();
    expect(await round(fake.publish, { batchSize: 2, stats })).toEqual({ drained: true });
    expect(fake.calls).toEqual(names.map((n) => n.split(":")[1]));
    expect(rows().every((r) => r.sentAt === 1_000)).toBe(true);
    // Batches of 2 over 5 rows: three reads, the last one short.
    expect(stats).toEqual({ published: 5, duplicates: 1, failed: 0, batches: 3, publishRetries: 0 });
  });

  it("marks a failed row with an attempt and its error, never sends its aggregate's later rows, sends other aggregates, then throws", async () => {
    enqueue("A:a1", "A:a2", "B:b1", "A:a3", "B:b2");
    const fake = fakePublish({ failing: ["a2"] });
    const stats = newStats();
    await expect(round(fake.publish, { stats })).rejects.toThrow("1 of 5 publishes failed: refused a2");
    expect(fake.calls).not.toContain("a3");
    expect(unsent()).toEqual(["a2", "a3"]);
    const byName = new Map(rows().map((r) => [nameOf(r), r]));
    expect(byName.get("a2")).toMatchObject({ attempts: 1, lastError: "refused a2" });
    expect(byName.get("a3")).toMatchObject({ attempts: 0, lastError: null }); // held back: never tried
    expect(stats).toMatchObject({ published: 3, failed: 1 });

    // The cause fixed: the next round sends A's rows in A's order.
    const fixed = fakePublish();
    await round(fixed.publish);
    expect(fixed.calls).toEqual(["a2", "a3"]);
    expect(unsent()).toEqual([]);
  });
});

describe("publishing across a JetStream leader election", () => {
  it("tells a broker briefly unable to take a publish (503, no responders, timeout) from a refusal", () => {
    const natsError = (code: string, message: string) => Object.assign(new Error(message), { code });
    expect(isRetryablePublishError(natsError("503", "503"))).toBe(true);
    expect(isRetryablePublishError(natsError("503", "no responders"))).toBe(true);
    expect(isRetryablePublishError(natsError("TIMEOUT", "TIMEOUT"))).toBe(true);
    expect(isRetryablePublishError(Object.assign(new Error("JetStream system temporarily unavailable"), { api_error: { code: 503 } }))).toBe(true);
    expect(isRetryablePublishError(natsError("PERMISSIONS_VIOLATION", 'Permissions Violation for Publish to "orders.x"'))).toBe(false);
    expect(isRetryablePublishError(new Error("stream not found"))).toBe(false);
  });

  it("holds an aggregate back behind a publish refused during an election, counts the retry, and sends it in order once a leader answers", async () => {
    enqueue("A:a1", "A:a2", "B:b1", "A:a3");
    const stats = newStats();
    const electing: PublishRow = async (row) => {
      if (nameOf(row) === "a2") throw Object.assign(new Error("503"), { code: "503" });
      return { duplicate: false };
    };
    await expect(round(electing, { stats })).rejects.toThrow("1 of 4 publishes failed: 503");
    expect(stats).toMatchObject({ published: 2, failed: 1, publishRetries: 1 });
    expect(unsent()).toEqual(["a2", "a3"]);

    const elected = fakePublish();
    await round(elected.publish, { stats });
    expect(elected.calls).toEqual(["a2", "a3"]);
    expect(unsent()).toEqual([]);
    expect(stats).toMatchObject({ published: 4, publishRetries: 1 });
  });

  it("does not count a refusal as a retry (the row still waits in the outbox)", async () => {
    enqueue("A:a1");
    const stats = newStats();
    await expect(round(fakePublish({ failing: ["a1"] }).publish, { stats })).rejects.toThrow("refused a1");
    expect(stats).toMatchObject({ failed: 1, publishRetries: 0 });
    expect(unsent()).toEqual(["a1"]);
  });
});

describe("order per aggregate and the window of batches in flight", () => {
  it("publishes an aggregate's row only after the ack of its earlier row, across batches in flight together", async () => {
    enqueue("A:a1", "B:b1", "A:a2", "C:c1");
    const fake = fakePublish({ gated: true });
    const done = round(fake.publish, { batchSize: 1, windowBatches: 4 });
    await new Promise((resolve) => setImmediate(resolve));
    // Four batches of one in flight; a2 waits for a1's ack, the other aggregates go at once.
    expect(fake.calls).toEqual(["a1", "b1", "c1"]);
    fake.releaseAll();
    await new Promise((resolve) => setImmediate(resolve));
    expect(fake.calls).toEqual(["a1", "b1", "c1", "a2"]);
    fake.releaseAll();
    await done;
    expect(unsent()).toEqual([]);
  });

  it("holds back an aggregate's rows in later batches in flight behind a failure, and stops reading further batches", async () => {
    enqueue("A:a1", "A:a2", "B:b1", "A:a3", "B:b2", "C:c1");
    const fake = fakePublish({ failing: ["a1"] });
    const stats = newStats();
    await expect(round(fake.publish, { batchSize: 2, windowBatches: 2, stats })).rejects.toThrow("1 of 4 publishes failed: refused a1");
    // Two batches of two were in flight when a1 failed: b1 is sent, A's rows wait, nothing more is read.
    expect(fake.calls).toEqual(["a1", "b1"]);
    expect(unsent()).toEqual(["a1", "a2", "a3", "b2", "c1"]);
    expect(stats.batches).toBe(2);
  });

  it("keeps at most windowBatches batches in flight: the next is read only once the oldest is settled", async () => {
    enqueue("A:a1", "B:b1", "C:c1", "D:d1");
    const fake = fakePublish({ gated: true });
    const stats = newStats();
    const done = round(fake.publish, { batchSize: 1, windowBatches: 2, stats });
    await new Promise((resolve) => setImmediate(resolve));
    expect(fake.calls).toEqual(["a1", "b1"]);
    expect(stats.batches).toBe(2);
    while (fake.calls.length < 4) {
      fake.releaseAll();
      await new Promise((resolve) => setImmediate(resolve));
    }
    fake.releaseAll();
    await done;
    expect(fake.calls).toEqual(["a1", "b1", "c1", "d1"]);
  });

  it("reads no further batch once stopped, settles what is in flight, and reports itself drained", async () => {
    enqueue("A:a1", "B:b1", "C:c1");
    let stopped = false;
    const publish: PublishRow = async () => {
      stopped = true; // a stop landing while the first batch is in flight
      return { duplicate: false };
    };
    expect(await round(publish, { batchSize: 1, windowBatches: 1, stopped: () => stopped })).toEqual({ drained: true });
    expect(unsent()).toEqual(["b1", "c1"]);
  });
});

describe("what a settled batch marks", () => {
  const row = (seq: number): OutboxRow => ({ seq }) as OutboxRow;
  const ok = (duplicate = false): PromiseSettledResult<PublishAck> => ({ status: "fulfilled", value: { duplicate } });
  const refused = (reason: unknown): PromiseSettledResult<PublishAck> => ({ status: "rejected", reason });

  it("sends acked rows, counts duplicates, records failures with their message, and ignores held-back rows", () => {
    const settlement = settleAcks([row(1), row(2), row(3), row(4)], [ok(), ok(true), refused(new Error("too big")), refused(new HeldBack("A"))]);
    expect(settlement).toEqual({ sent: [1, 2], failed: [{ seq: 3, error: "too big" }], duplicates: 1, retryable: 0 });
    expect(settleAcks([row(5)], [refused("timeout")])).toMatchObject({ failed: [{ seq: 5, error: "timeout" }], retryable: 1 });
  });

  it("keeps the first sentAt of a row marked again (a republish acked as a duplicate), and counts attempts per failure", () => {
    enqueue("A:a1", "B:b1");
    const [a1, b1] = rows() as [OutboxRow, OutboxRow];
    markSettlement(database.db, outbox, { sent: [a1.seq], failed: [{ seq: b1.seq, error: "first" }], duplicates: 0, retryable: 0 }, 10);
    markSettlement(database.db, outbox, { sent: [a1.seq], failed: [{ seq: b1.seq, error: "second" }], duplicates: 1, retryable: 0 }, 20);
    const [a, b] = rows() as [OutboxRow, OutboxRow];
    expect(a.sentAt).toBe(10);
    expect(b).toMatchObject({ sentAt: null, attempts: 2, lastError: "second" });
  });
});
