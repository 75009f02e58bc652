import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openWorkerDatabase, type WorkerDatabase } from "./db";
import * as schema from "../../workers/users/schema";
import { userRegistered } from "../../workers/users/events";
import { enqueueEvent } from "../events/enqueue";

const data = { userId: "u1", name: "Ada", registeredAt: "2026-01-01T00:00:00.000Z" };

describe("the outbox signal of a worker database", () => {
  let database: WorkerDatabase<typeof schema>;
  let wakes: number;
  beforeEach(async () => {
    database = await openWorkerDatabase({ worker: "users", dataDir: ":memory:", schema });
    wakes = 0;
    database.outboxSignal.subscribe(() => (wakes += 1));
  });
  afterEach(() => database.close());

  it("wakes its listeners once after a transaction that wrote outbox rows commits", () => {
    database.db.transaction((tx) => {
      enqueueEvent(tx, schema.outbox, userRegistered, data, { aggregateId: "u1" });
      enqueueEvent(tx, schema.outbox, userRegistered, { ...data, userId: "u2" }, { aggregateId: "u2" });
      expect(wakes).toBe(0); // not before the commit: the relay would find nothing
    });
    expect(wakes).toBe(1);
  });

  it("wakes nobody after a rollback, or after a transaction that wrote no event", () => {
    expect(() =>
      database.db.transaction((tx) => {
        enqueueEvent(tx, schema.outbox, userRegistered, data, { aggregateId: "u1" });
        throw new Error("changed my mind");
      }),
    ).toThrow("changed my mind");
    database.db.transaction((tx) => tx.select().from(schema.outbox).all());
    expect(wakes).toBe(0);
    expect(database.db.select().from(schema.outbox).all()).toEqual([]);
  });

  it("counts an event written in a savepoint toward the outer commit", () => {
    database.db.transaction((tx) => tx.transaction((inner) => void enqueueEvent(inner, schema.outbox, userRegistered, data, { aggregateId: "u1" })));
    expect(wakes).toBe(1);
  });

  it("refuses to write an event outside a transaction, naming it", () => {
    expect(() => enqueueEvent(database.db as never, schema.outbox, userRegistered, data, { aggregateId: "u1" })).toThrow(/enqueueEvent\(users\.user\.registered\) needs a transaction/);
    expect(database.db.select().from(schema.outbox).all()).toEqual([]);
  });
});
