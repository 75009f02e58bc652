/** Pruning the outbox and inbox on a real SQLite file: what goes, what stays, and how often. */
import { describe, expect, it } from "vitest";
import { silent, useConsumerDb } from "../../test/fixtures/events-consumer/helpers";
import { waitFor } from "../../test/support/processes";
import * as consumerSchema from "../../test/fixtures/events-consumer/schema";
import { createEventTablePruner, createPruneSchedule, pruneEventTables } from "./prune";

const hour = 3_600_000;
const database = useConsumerDb("prune");

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
const inboxIds = () =>
  database.db
    .select()
    .from(consumerSchema.inbox)
    .all()
    .map((r) => r.eventId)
    .sort();

describe("pruneEventTables", () => {
  it("removes sent outbox rows and inbox rows older than the retention, and never an unsent row", () => {
    const { db } = database;
    const now = Date.now();
    db.insert(consumerSchema.outbox)
      .values([outboxRow("old-sent", now - 48 * hour, now - 47 * hour), outboxRow("old-unsent", now - 48 * hour, null), outboxRow("new-sent", now - hour, now - hour)])
      .run();
    db.insert(consumerSchema.inbox)
      .values([inboxRow("old", now - 30 * hour), inboxRow("new", now - hour)])
      .run();

    expect(pruneEventTables(db, { outbox: consumerSchema.outbox, inbox: consumerSchema.inbox, retentionMs: 24 * hour, now })).toEqual({ outbox: 1, inbox: 1 });
    expect(
      db
        .select()
        .from(consumerSchema.outbox)
        .all()
        .map((r) => r.eventId)
        .sort(),
    ).toEqual(["new-sent", "old-unsent"]);
    expect(inboxIds()).toEqual(["new"]);
  });
});

describe("createPruneSchedule", () => {
  it("prunes on its first call, then only once its interval has passed since it last did", () => {
    let now = 10 * hour;
    const prune = createPruneSchedule({ db: database.db, inbox: consumerSchema.inbox, retentionMs: hour, owner: "tests", intervalMs: 60_000, now: () => now, logger: silent });
    database.db
      .insert(consumerSchema.inbox)
      .values(inboxRow("old", now - 2 * hour))
      .run();
    prune();
    expect(inboxIds()).toEqual([]);

    database.db
      .insert(consumerSchema.inbox)
      .values(inboxRow("old-too", now - 2 * hour))
      .run();
    now += 59_000;
    prune();
    expect(inboxIds()).toEqual(["old-too"]); // not due yet
    now += 1_000;
    prune();
    expect(inboxIds()).toEqual([]);
  });
});

describe("createEventTablePruner", () => {
  it("prunes at start and then on a timer, for a worker without a relay", async () => {
    const { db } = database;
    db.insert(consumerSchema.inbox)
      .values([inboxRow("old", 1), inboxRow("new", Date.now())])
      .run();
    const pruner = createEventTablePruner({ db, inbox: consumerSchema.inbox, retentionMs: hour, intervalMs: 50, logger: silent });
    pruner.start();
    expect(inboxIds()).toEqual(["new"]);
    db.insert(consumerSchema.inbox).values(inboxRow("later-old", 2)).run();
    await waitFor("pruned on the next tick", async () => (inboxIds().length === 1 ? true : undefined));
    expect(inboxIds()).toEqual(["new"]);
    await pruner.stop();
  });
});
