import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, DiscardPolicy, nanos, StorageType, type NatsConnection } from "nats";
import { asc, isNull } from "drizzle-orm";
import { defineEvent } from "../shared/events/envelope";
import { enqueueEvent } from "../shared/events/enqueue";
import { createNatsConnection, fixedNatsConnection } from "../shared/events/nats";
import { createOutboxRelay } from "../shared/events/relay";
import { defaultStreamMaxAgeMs, defaultStreamMaxBytes, ensureStream } from "../shared/events/streams";
import { defaultRetention } from "../shared/core/retention";
import { createWorker } from "../shared/worker/worker";
import { router as procedureRouter } from "../shared/rpc/trpc";
import { registerUser } from "../workers/users/service";
import { userRegistered } from "../workers/users/events";
import * as usersSchema from "../workers/users/schema";
import { startNats, stopAll, tempDir, waitFor, type RunningNats } from "./support/processes";
import { openConsumerDb, openUsersDb, readStream, silent } from "./fixtures/events-consumer/helpers";
import * as consumerSchema from "./fixtures/events-consumer/schema";

afterAll(stopAll);

const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const fast = { pollIntervalMs: 200, backoff: { initialMs: 50, maxMs: 300 } };

describe("outbox relay", () => {
  let nats: RunningNats;
  let nc: NatsConnection;
  beforeAll(async () => {
    nats = await startNats();
    nc = await connect({ servers: nats.url });
  });
  afterAll(async () => {
    await nc?.close();
  });

  it("bounds the publisher's stream by STREAM_MAX_AGE and STREAM_MAX_BYTES, and a changed setting reaches a stream that exists", async () => {
    const database = await openUsersDb(tempDir("relay-retention"));
    const { db } = database;
    const jsm = await nc.jetstreamManager();
    // A consumer made the stream first, with no retention of its own: the defaults.
    const first = await ensureStream(jsm, "retained");
    expect(first.config.max_age).toBe(nanos(defaultStreamMaxAgeMs));
    expect(first.config.max_bytes).toBe(defaultStreamMaxBytes);
    expect(first.config.discard).toBe(DiscardPolicy.Old);
    const stream = { maxAgeMs: 2 * 3_600_000, maxBytes: 64 * 1024 * 1024 };
    const relay = createOutboxRelay({ db, outbox: usersSchema.outbox, owner: "retained", nats: fixedNatsConnection(nc), logger: silent, stream, ...fast });
    relay.start();
    await waitFor("the relay's settings on the stream", async () => ((await jsm.streams.info("RETAINED")).config.max_age === nanos(stream.maxAgeMs) ? true : undefined));
    expect((await jsm.streams.info("RETAINED")).config.max_bytes).toBe(stream.maxBytes);
    // A consumer ensuring the stream again leaves the publisher's settings as they are.
    expect((await ensureStream(jsm, "retained")).config.max_age).toBe(nanos(stream.maxAgeMs));
    await relay.stop();
    database.close();
  });

  it("publishes in outbox order with Nats-Msg-Id = event id and the row's trace and correlation headers, then marks rows sent", async () => {
    const database = await openUsersDb(tempDir("relay-order"));
    const { db } = database;
    for (const n of [1, 2, 3]) registerUser(db, { email: `u${n}@x.io`, name: `U${n}` }, new Date());
    db.update(usersSchema.outbox).set({ traceparent, tracestate: "vendor=1" }).run();
    const rows = db.select().from(usersSchema.outbox).orderBy(asc(usersSchema.outbox.seq)).all();

    const relay = createOutboxRelay({ db, outbox: usersSchema.outbox, owner: "users", nats: fixedNatsConnection(nc), logger: silent, ...fast });
    relay.start();
    await waitFor("outbox drained", async () => (relay.backlog().pending === 0 ? true : undefined));
    await relay.stop();

    const stored = await readStream(nc, "USERS");
    expect(stored.map((m) => m.header.get("Nats-Msg-Id"))).toEqual(rows.map((r) => r.eventId));
    expect(stored.map((m) => JSON.parse(new TextDecoder().decode(m.data)).id)).toEqual(rows.map((r) => r.eventId));
    expect(stored.every((m) => m.subject === "users.user.registered")).toBe(true);
    expect(stored[0]!.header.get("traceparent")).toBe(traceparent);
    expect(stored[0]!.header.get("tracestate")).toBe("vendor=1");
    expect(stored[0]!.header.get("x-correlation-id")).toBe(rows[0]!.correlationId);
    expect(db.select().from(usersSchema.outbox).where(isNull(usersSchema.outbox.sentAt)).all()).toHaveLength(0);
    expect(relay.health()).toEqual({ outbox: { pending: 0, oldestAgeMs: 0 } });

    const info = await (await nc.jetstreamManager()).streams.info("USERS");
    expect(info.config.storage).toBe(StorageType.File);
    expect(info.config.duplicate_window).toBe(120_000_000_000);
    database.close();
  });

  it("marks a row sent only after its ack, and holds back later rows of an aggregate whose earlier row failed", async () => {
    // A stream that refuses big messages: the broker's nack is a real failed publish.
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: "TESTS", subjects: ["tests.>"], storage: StorageType.File, max_msg_size: 600, discard: DiscardPolicy.New });
    const database = await openConsumerDb(tempDir("relay-ack"));
    const { db } = database;
    const registered = defineEvent("tests.user.registered", userRegistered.schema);
    const event = (name: string, aggregateId: string) =>
      db.transaction((tx) => enqueueEvent(tx, consumerSchema.outbox, registered, { userId: aggregateId, name, registeredAt: new Date().toISOString() }, { aggregateId }));
    const a1 = event("a1", "A");
    const a2 = event("x".repeat(700), "A"); // too big: refused
    const a3 = event("a3", "A");
    const b1 = event("b1", "B");

    const relay = createOutboxRelay({ db, outbox: consumerSchema.outbox, owner: "tests", nats: fixedNatsConnection(nc), logger: silent, ...fast });
    relay.start();
    await waitFor("the failed row recorded", async () =>
      db
        .select()
        .from(consumerSchema.outbox)
        .all()
        .find((r) => r.eventId === a2.id && r.attempts > 0)
        ? true
        : undefined,
    );
    await relay.stop();

    const rows = new Map(
      db
        .select()
        .from(consumerSchema.outbox)
        .all()
        .map((r) => [r.eventId, r]),
    );
    expect(rows.get(a1.id)!.sentAt).not.toBeNull();
    expect(rows.get(b1.id)!.sentAt).not.toBeNull();
    expect(rows.get(a2.id)!.sentAt).toBeNull();
    expect(rows.get(a2.id)!.lastError).toMatch(/size|maximum/i);
    expect(rows.get(a3.id)!.sentAt).toBeNull(); // behind a2 in its aggregate: not even published
    expect(rows.get(a3.id)!.attempts).toBe(0);
    expect(relay.health().outbox.pending).toBe(2);
    expect(relay.health().outbox.lastError).toMatch(/publishes failed/);
    const idsIn = async () => (await readStream(nc, "TESTS")).map((m) => m.header.get("Nats-Msg-Id"));
    expect(await idsIn()).not.toContain(a3.id);

    // The cause fixed (the stream takes bigger messages): A's rows go out in A's order.
    await jsm.streams.update("TESTS", { ...(await jsm.streams.info("TESTS")).config, max_msg_size: 4096 });
    relay.start();
    await waitFor("outbox drained", async () => (relay.backlog().pending === 0 ? true : undefined));
    await relay.stop();
    const stored = await idsIn();
    expect(stored.filter((id) => [a1.id, a2.id, a3.id].includes(id))).toEqual([a1.id, a2.id, a3.id]);
    database.close();
  });

  it("holds back an aggregate's later rows across batches in flight together (batch of 1, window of 4)", async () => {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: "WINDOWS", subjects: ["windows.>"], storage: StorageType.File, max_msg_size: 600, discard: DiscardPolicy.New });
    const database = await openConsumerDb(tempDir("relay-window"));
    const { db } = database;
    const registered = defineEvent("windows.user.registered", userRegistered.schema);
    const event = (name: string, aggregateId: string) =>
      db.transaction((tx) => enqueueEvent(tx, consumerSchema.outbox, registered, { userId: aggregateId, name, registeredAt: new Date().toISOString() }, { aggregateId }));
    const [a1, a2, b1, a3, b2] = [event("a1", "A"), event("x".repeat(700), "A"), event("b1", "B"), event("a3", "A"), event("b2", "B")];

    const relay = createOutboxRelay({ db, outbox: consumerSchema.outbox, owner: "windows", nats: fixedNatsConnection(nc), logger: silent, ...fast, batchSize: 1, windowBatches: 4 });
    relay.start();
    await waitFor("the failed row recorded and B sent", async () => {
      const rows = db.select().from(consumerSchema.outbox).all();
      return rows.find((r) => r.eventId === a2.id && r.attempts > 0) && rows.find((r) => r.eventId === b2.id)?.sentAt ? true : undefined;
    });
    await relay.stop();

    const rows = new Map(
      db
        .select()
        .from(consumerSchema.outbox)
        .all()
        .map((r) => [r.eventId, r]),
    );
    for (const sent of [a1, b1, b2]) expect(rows.get(sent.id)!.sentAt).not.toBeNull();
    expect(rows.get(a2.id)!.sentAt).toBeNull();
    expect(rows.get(a3.id)!.sentAt).toBeNull(); // in a later batch than a2, in flight with it: held back, not published
    expect((await readStream(nc, "WINDOWS")).map((m) => m.header.get("Nats-Msg-Id"))).not.toContain(a3.id);
    expect(relay.stats().batches).toBeGreaterThan(1);
    database.close();
  });

  it("keeps serving with NATS stopped: the backlog grows and shows in health(); after a restart on the same store it drains", async () => {
    const own = await startNats();
    const database = await openUsersDb(tempDir("relay-down"));
    const { db } = database;
    const connection = createNatsConnection({ url: own.url, name: "users", logger: silent, reconnectTimeWaitMs: 100 });
    connection.start();
    const relay = createOutboxRelay({ db, outbox: usersSchema.outbox, owner: "users", nats: connection, logger: silent, ...fast });
    relay.start();
    registerUser(db, { email: "before@x.io", name: "Before" }, new Date());
    await waitFor("first event sent", async () => (relay.backlog().pending === 0 ? true : undefined));

    await own.kill("SIGTERM");
    await waitFor("relay notices", async () => (connection.status() === "reconnecting" ? true : undefined));
    for (const n of [1, 2, 3]) registerUser(db, { email: `down${n}@x.io`, name: `Down${n}` }, new Date());
    await new Promise((r) => setTimeout(r, 50)); // let the backlog age measurably
    const down = relay.health().outbox;
    expect(down.pending).toBe(3);
    expect(down.oldestAgeMs).toBeGreaterThan(0);
    expect(connection.health!()).toEqual({ nats: { status: "reconnecting" } });

    const restarted = await startNats({ port: own.port, storeDir: own.storeDir });
    await waitFor("backlog drained", async () => (relay.backlog().pending === 0 ? true : undefined), 30_000);
    await relay.stop();
    await connection.stop();

    const check = await connect({ servers: restarted.url });
    const stored = await readStream(check, "USERS");
    expect(stored.map((m) => JSON.parse(new TextDecoder().decode(m.data)).data.name)).toEqual(["Before", "Down1", "Down2", "Down3"]);
    await check.close();
    database.close();
  });

  it("republishes rows published but not marked (relay killed in between): the broker drops the copies, the stream holds one of each", async () => {
    const own = await startNats();
    const direct = await connect({ servers: own.url });
    const database = await openUsersDb(tempDir("relay-kill"));
    const { db } = database;
    for (const n of [1, 2]) registerUser(db, { email: `k${n}@x.io`, name: `K${n}` }, new Date());
    // What the killed relay managed: publish (acked) without marking the rows sent.
    await ensureStream(await direct.jetstreamManager(), "users");
    const js = direct.jetstream();
    for (const row of db.select().from(usersSchema.outbox).orderBy(asc(usersSchema.outbox.seq)).all()) {
      const ack = await js.publish(row.subject, new TextEncoder().encode(row.envelope), { msgID: row.eventId });
      expect(ack.duplicate).toBe(false);
    }

    const relay = createOutboxRelay({ db, outbox: usersSchema.outbox, owner: "users", nats: fixedNatsConnection(direct), logger: silent, ...fast });
    relay.start();
    await waitFor("rows marked sent", async () => (relay.backlog().pending === 0 ? true : undefined));
    await relay.stop();
    expect(relay.stats()).toMatchObject({ published: 2, duplicates: 2 });
    expect(await readStream(direct, "USERS")).toHaveLength(2);
    await direct.close();
    database.close();
  });

  it("wakes at once on a new outbox row instead of waiting for its poll", async () => {
    const database = await openUsersDb(tempDir("relay-wake"));
    const { db } = database;
    const relay = createOutboxRelay({
      db,
      outbox: usersSchema.outbox,
      owner: "users",
      nats: fixedNatsConnection(nc),
      logger: silent,
      pollIntervalMs: 60_000,
      signal: database.outboxSignal,
    });
    relay.start();
    await waitFor("relay idle", async () => (relay.stats().batches > 0 ? true : undefined));
    const started = Date.now();
    registerUser(db, { email: "wake@x.io", name: "Wake" }, new Date());
    await waitFor("sent", async () => (relay.backlog().pending === 0 ? true : undefined));
    expect(Date.now() - started).toBeLessThan(5_000);
    await relay.stop();
    database.close();
  });
});

// pruneOnce and the pruner loop are tested beside them (shared/events/prune.test.ts).
describe("pruning", () => {
  it("is done by the kit for every worker with a database and kit tables, with NATS or without, at the worker's retention", async () => {
    const database = await openConsumerDb(tempDir("prune-worker"));
    const { db } = database;
    const now = Date.now();
    db.insert(consumerSchema.outbox)
      .values({ eventId: "e", subject: "tests.a.b", aggregateId: "a", envelope: "{}", correlationId: "c", createdAt: 0, sentAt: now - 2 * 3_600_000 })
      .run();
    db.insert(consumerSchema.inbox)
      .values({ consumer: "c", eventId: "e", subject: "s", handledAt: now - 2 * 3_600_000 })
      .run();
    const retention = { ...defaultRetention, outboxSentMs: 3_600_000, inboxMs: 3_600_000 };
    const router = procedureRouter({});
    const worker = createWorker({ name: "tests", router, deps: { logger: silent, identity: null, db, retention }, outbox: consumerSchema.outbox, inbox: consumerSchema.inbox });
    await worker.start();
    await waitFor("pruned", async () => (db.select().from(consumerSchema.inbox).all().length === 0 ? true : undefined));
    expect(db.select().from(consumerSchema.outbox).all()).toHaveLength(0);
    await worker.stop();
    database.close();
  });
});

describe("enqueue", () => {
  it("refuses data failing the event's schema and rolls the whole transaction back", async () => {
    const database = await openConsumerDb(tempDir("enqueue-bad"));
    const { db } = database;
    expect(() =>
      db.transaction(
        (tx) => {
          tx.insert(consumerSchema.counts).values({ key: "state", value: 1 }).run();
          enqueueEvent(tx, consumerSchema.outbox, userRegistered, { userId: "u1", name: 42, registeredAt: "yesterday" } as never, { aggregateId: "u1" });
        },
        { behavior: "immediate" },
      ),
    ).toThrow(/name|registeredAt/);
    expect(db.select().from(consumerSchema.counts).all()).toHaveLength(0);
    expect(db.select().from(consumerSchema.outbox).all()).toHaveLength(0);
    database.close();
  });
});
