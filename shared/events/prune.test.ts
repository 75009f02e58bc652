/** Pruning the kit's tables on real SQLite files: what goes, what stays, in batches, and the loop. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openUsersDb, silent, useConsumerDb } from "../../test/fixtures/events-consumer/helpers";
import { waitFor } from "../../test/support/processes";
import * as consumerSchema from "../../test/fixtures/events-consumer/schema";
import { idempotencyKeys } from "../../workers/users/schema";
import { createRetentionPruner, pruneOnce } from "./prune";

const hour = 3_600_000;
const database = useConsumerDb("prune");
const retention = { outboxSentMs: hour, inboxMs: 24 * hour, idempotencyKeysMs: 24 * hour };
const tables = { outbox: consumerSchema.outbox, inbox: consumerSchema.inbox };

const outboxRow = (eventId: string, createdAt: number, sentAt: number | null) => ({
  eventId,
  subject: "tests.user.registered",
  aggregateId: "a",
  envelope: "{}",
  correlationId: "c",
  createdAt,
  sentAt,
});
const inboxRow = (eventId: string, handledAt: number) => ({ consumer: "c", eventId, subject: "s", handledAt });
const ids = (rows: { eventId: string }[]) => rows.map((r) => r.eventId).sort();
const outboxIds = () => ids(database.db.select().from(consumerSchema.outbox).all());
const inboxIds = () => ids(database.db.select().from(consumerSchema.inbox).all());

describe("pruneOnce", () => {
  it("removes sent outbox rows past OUTBOX_SENT_RETENTION and inbox rows past INBOX_RETENTION, never an unsent row", () => {
    const { db } = database;
    const now = Date.now();
    db.insert(consumerSchema.outbox)
      .values([outboxRow("old-sent", now - 48 * hour, now - 2 * hour), outboxRow("old-unsent", now - 48 * hour, null), outboxRow("new-sent", now - 2 * hour, now - 30 * 60_000)])
      .run();
    db.insert(consumerSchema.inbox)
      .values([inboxRow("old", now - 30 * hour), inboxRow("new", now - 2 * hour)])
      .run();

    expect(pruneOnce(db, tables, retention, now)).toEqual({ outbox: 1, inbox: 1, idempotencyKeys: 0, more: false });
    expect(outboxIds()).toEqual(["new-sent", "old-unsent"]);
    expect(inboxIds()).toEqual(["new"]);
  });

  it("deletes in batches up to its cap and says when rows past their retention remain", () => {
    const { db } = database;
    const now = Date.now();
    db.insert(consumerSchema.inbox)
      .values(Array.from({ length: 25 }, (_, i) => inboxRow(`old-${i}`, now - 48 * hour + i)))
      .run();
    db.insert(consumerSchema.inbox).values(inboxRow("new", now)).run();

    expect(pruneOnce(db, tables, retention, now, { batch: 10, maxBatches: 2 })).toMatchObject({ inbox: 20, more: true });
    expect(inboxIds()).toHaveLength(6);
    expect(pruneOnce(db, tables, retention, now, { batch: 10, maxBatches: 2 })).toMatchObject({ inbox: 5, more: false });
    expect(inboxIds()).toEqual(["new"]);
  });

  it("removes idempotency keys past IDEMPOTENCY_KEY_RETENTION, oldest first, keeping the rest", async () => {
    const users = await openUsersDb(mkdtempSync(join(tmpdir(), "bunmesh-prune-keys-")));
    const now = Date.now();
    const key = (n: number, createdAt: number) => ({ key: `k${n}`, resourceId: `r${n}`, requestFingerprint: "f", createdAt });
    // Written in time order, as a worker writes them: 12 past the retention, then 3 within it.
    users.db
      .insert(idempotencyKeys)
      .values([...Array.from({ length: 12 }, (_, i) => key(i, now - 48 * hour + i)), ...[12, 13, 14].map((n) => key(n, now - hour))])
      .run();

    const pruned = pruneOnce(users.db, { idempotencyKeys }, retention, now, { batch: 5, maxBatches: 10 });
    expect(pruned).toEqual({ outbox: 0, inbox: 0, idempotencyKeys: 12, more: false });
    expect(
      users.db
        .select()
        .from(idempotencyKeys)
        .all()
        .map((row) => row.key)
        .sort(),
    ).toEqual(["k12", "k13", "k14"]);
    users.close();
  });
});

describe("createRetentionPruner", () => {
  it("prunes at start, catches up at once while a pass stops at its cap, then waits for its interval; its last pass is a health fact", async () => {
    const { db } = database;
    const now = Date.now();
    db.insert(consumerSchema.inbox)
      .values([...Array.from({ length: 30 }, (_, i) => inboxRow(`old-${i}`, 1 + i)), inboxRow("new", now)])
      .run();
    const pruner = createRetentionPruner({ db, tables, retention, logger: silent, batch: 10, maxBatches: 1, intervalMs: 60_000, catchUpMs: 5 });
    await pruner.start();
    expect(inboxIds()).toHaveLength(21); // the first pass: one batch
    await waitFor("the catch-up passes", async () => (inboxIds().length === 1 ? true : undefined));
    expect(inboxIds()).toEqual(["new"]);
    expect(await pruner.health!()).toMatchObject({ pruned: { inbox: 0, more: false } });

    db.insert(consumerSchema.inbox).values(inboxRow("later-old", 2)).run();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(inboxIds()).toEqual(["later-old", "new"]); // not due before its interval
    await pruner.stop();
  });
});
