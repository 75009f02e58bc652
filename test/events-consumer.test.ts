import { afterAll, describe, expect, it } from "vitest";
import { connect, headers as natsHeaders, type NatsConnection } from "nats";
import { eq } from "drizzle-orm";
import { createEventConsumer, handleEvent, type EventConsumerOptions } from "../shared/events/consumer";
import { listDeadLetters, replayDeadLetter } from "../shared/events/dlq";
import { defineEvent } from "../shared/events/envelope";
import { enqueueEvent } from "../shared/events/enqueue";
import { createNatsConnection, fixedNatsConnection, type NatsConnectionProvider } from "../shared/events/nats";
import { createOutboxRelay } from "../shared/events/relay";
import { newId } from "../shared/core/ids";
import { registerUser } from "../workers/users/service";
import { userRegistered } from "../workers/users/events";
import * as usersSchema from "../workers/users/schema";
import { startNats, stopAll, tempDir, waitFor, type RunningNats } from "./support/processes";
import { bump, countOf, openConsumerDb, openUsersDb, silent } from "./fixtures/events-consumer/helpers";
import * as consumerSchema from "./fixtures/events-consumer/schema";
import { z } from "zod";

afterAll(stopAll);

const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const fastNak = { initialMs: 20, maxMs: 100 };

/** A real users outbox + relay publishing to a fresh nats-server, and an empty consumer DB. */
async function setup(name: string) {
  const nats = await startNats();
  const nc = await connect({ servers: nats.url });
  const users = await openUsersDb(tempDir(`${name}-users`));
  const consumerDb = await openConsumerDb(tempDir(`${name}-consumer`));
  const relay = createOutboxRelay({
    db: users.db,
    outbox: usersSchema.outbox,
    owner: "users",
    nats: fixedNatsConnection(nc),
    logger: silent,
    pollIntervalMs: 100,
    signal: users.outboxSignal,
  });
  const register = (userName: string) => registerUser(users.db, { email: `${userName.toLowerCase()}-${newId()}@x.io`, name: userName }, new Date());
  const consumer = (options: Partial<EventConsumerOptions> & Pick<EventConsumerOptions, "handlers">, provider: NatsConnectionProvider = fixedNatsConnection(nc)) =>
    createEventConsumer({ db: consumerDb.db, inbox: consumerSchema.inbox, name: `${name}-consumer`, owner: "users", nats: provider, logger: silent, nakDelay: fastNak, ...options });
  const cleanup = async () => {
    await relay.stop();
    await nc.close();
    users.close();
    consumerDb.close();
  };
  return { nats, nc, users, db: consumerDb.db, relay, register, consumer, cleanup };
}

const countRegistration = handleEvent(userRegistered, (tx, event, delivery) => {
  bump(tx, `user:${event.data.userId}`);
  bump(tx, "registered");
});

describe("event consumer", () => {
  it("applies each event once in one transaction with its inbox row; a failing handler is nak'ed and retried", async () => {
    const t = await setup("once");
    let flakyFailures = 0;
    const consumer = t.consumer({
      handlers: {
        [userRegistered.subject]: handleEvent(userRegistered, (tx, event, delivery) => {
          countRegistration.handle(tx, event, delivery);
          if (event.data.name === "Flaky" && flakyFailures++ === 0) throw new Error("flaky store"); // rolls back the bump
        }),
      },
    });
    t.relay.start();
    consumer.start();
    const users = ["Ann", "Flaky", "Bob"].map(t.register);
    await waitFor("all handled", async () => (consumer.stats().handled === 3 ? true : undefined));

    for (const user of users) expect(countOf(t.db, `user:${user.id}`)).toBe(1);
    expect(countOf(t.db, "registered")).toBe(3);
    expect(consumer.stats()).toMatchObject({ handled: 3, failed: 1, deadLettered: 0 });
    expect(
      t.db
        .select()
        .from(consumerSchema.inbox)
        .all()
        .map((r) => r.consumer),
    ).toEqual(["once-consumer", "once-consumer", "once-consumer"]);
    expect(consumer.health().consumers["once-consumer"]).toMatchObject({ handled: 3, consuming: true });
    // The lag learnt from the deliveries themselves: after the last one nothing is left pending.
    const facts = consumer.health().consumers["once-consumer"]!;
    expect(facts.pending).toBe(0);
    expect(Number.isNaN(Date.parse(facts.lastDeliveredAt ?? ""))).toBe(false);
    await consumer.stop();
    await t.cleanup();
  });

  it("finds a re-sent event (new Nats-Msg-Id, outside the broker's duplicate window) in its inbox and changes nothing", async () => {
    const t = await setup("resent");
    const consumer = t.consumer({ handlers: { [userRegistered.subject]: countRegistration } });
    t.relay.start();
    consumer.start();
    const ann = t.register("Ann");
    await waitFor("handled", async () => (consumer.stats().handled === 1 ? true : undefined));
    const row = t.users.db.select().from(usersSchema.outbox).get()!;
    await t.nc.jetstream().publish(row.subject, new TextEncoder().encode(row.envelope), { msgID: `${row.eventId}:again` });
    await waitFor("duplicate seen", async () => (consumer.stats().duplicates === 1 ? true : undefined));
    expect(countOf(t.db, `user:${ann.id}`)).toBe(1);
    await consumer.stop();
    await t.cleanup();
  });

  it("gets the message again when it died after commit but before the ack; the effect happens once", async () => {
    const t = await setup("crash");
    const doomed = await connect({ servers: t.nats.url });
    const first = t.consumer(
      {
        ackWaitMs: 1000,
        handlers: {
          [userRegistered.subject]: handleEvent(userRegistered, (tx, event, delivery) => {
            countRegistration.handle(tx, event, delivery);
            void doomed.close(); // the connection dies before the ack can leave
          }),
        },
      },
      fixedNatsConnection(doomed),
    );
    t.relay.start();
    first.start();
    const ann = t.register("Ann");
    await waitFor("first handling committed", async () => (countOf(t.db, `user:${ann.id}`) === 1 ? true : undefined));
    await first.stop();

    const second = t.consumer({ ackWaitMs: 1000, handlers: { [userRegistered.subject]: countRegistration } });
    second.start();
    await waitFor("redelivered", async () => (second.stats().duplicates === 1 ? true : undefined), 15_000);
    expect(countOf(t.db, `user:${ann.id}`)).toBe(1);
    expect(second.stats().handled).toBe(0);
    await second.stop();
    await t.cleanup();
  });

  it("dead-letters a message whose handler fails N times, with error, attempts, subject and trace headers, while later messages flow; a replay after the fix applies once", async () => {
    const t = await setup("poison");
    let broken = true;
    const consumer = t.consumer({
      maxDeliver: 3,
      handlers: {
        [userRegistered.subject]: handleEvent(userRegistered, (tx, event, delivery) => {
          if (event.data.name === "Poison" && broken) throw new Error("price table missing");
          countRegistration.handle(tx, event, delivery);
        }),
      },
    });
    const poison = t.register("Poison");
    const later = [t.register("Later1"), t.register("Later2")];
    t.users.db.update(usersSchema.outbox).set({ traceparent }).run();
    const poisonRow = t.users.db.select().from(usersSchema.outbox).where(eq(usersSchema.outbox.aggregateId, poison.id)).get()!;
    t.relay.start();
    consumer.start();

    await waitFor("dead-lettered", async () => (consumer.stats().deadLettered === 1 ? true : undefined));
    await waitFor("later handled", async () => (consumer.stats().handled === 2 ? true : undefined));
    for (const user of later) expect(countOf(t.db, `user:${user.id}`)).toBe(1);
    expect(countOf(t.db, `user:${poison.id}`)).toBe(0);

    const [letter, ...others] = await listDeadLetters(t.nc);
    expect(others).toHaveLength(0);
    expect(letter).toMatchObject({
      consumer: "poison-consumer",
      originalSubject: "users.user.registered",
      originalStream: "USERS",
      originalMsgId: poisonRow.eventId,
      attempts: 3,
      error: "price table missing",
    });
    expect(letter!.headers).toMatchObject({ traceparent, "x-correlation-id": poisonRow.correlationId });
    expect(JSON.parse(letter!.data).id).toBe(poisonRow.eventId);

    broken = false;
    const replay = await replayDeadLetter(t.nc, letter!.seq);
    expect(replay).toMatchObject({ subject: "users.user.registered", msgId: `${poisonRow.eventId}:replay:${letter!.seq}` });
    await waitFor("replay applied", async () => (countOf(t.db, `user:${poison.id}`) === 1 ? true : undefined));
    expect(await listDeadLetters(t.nc)).toHaveLength(0);

    // The replayed message keeps the original event id and trace.
    const stored = await (await t.nc.jetstreamManager()).streams.getMessage("USERS", { seq: replay!.streamSeq });
    expect(JSON.parse(new TextDecoder().decode(stored.data)).id).toBe(poisonRow.eventId);
    expect(stored.header.get("traceparent")).toBe(traceparent);
    expect(countOf(t.db, "registered")).toBe(3);
    await consumer.stop();
    await t.cleanup();
  });

  it("sends a malformed message on the wire straight to the dead letters, never into the effect", async () => {
    const t = await setup("malformed");
    const consumer = t.consumer({ handlers: { [userRegistered.subject]: countRegistration } });
    const js = t.nc.jetstream();
    await t.nc.jetstreamManager().then((jsm) => jsm.streams.add({ name: "USERS", subjects: ["users.>"] }));
    const enc = (value: unknown) => new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));
    const badData = {
      id: newId(),
      type: userRegistered.subject,
      subject: userRegistered.subject,
      occurredAt: new Date().toISOString(),
      correlationId: "c-1",
      causationId: null,
      data: { userId: "u", name: 42, registeredAt: "soon" },
    };
    const h = natsHeaders();
    h.set("traceparent", traceparent);
    await js.publish(userRegistered.subject, enc("{not json"), { headers: h });
    await js.publish(userRegistered.subject, enc({ hello: "world" }));
    await js.publish(userRegistered.subject, enc(badData));
    consumer.start();
    t.relay.start();
    const good = t.register("Good");

    await waitFor("good handled", async () => (consumer.stats().handled === 1 ? true : undefined));
    await waitFor("three dead letters", async () => (consumer.stats().deadLettered === 3 ? true : undefined));
    const letters = await listDeadLetters(t.nc, { consumer: "malformed-consumer" });
    expect(letters.map((l) => l.attempts)).toEqual([1, 1, 1]);
    expect(letters.every((l) => l.error.startsWith("malformed message"))).toBe(true);
    expect(letters[0]!.error).toMatch(/not JSON/);
    expect(letters[0]!.headers.traceparent).toBe(traceparent);
    expect(letters[2]!.error).toMatch(/data\.name/);
    expect(countOf(t.db, "registered")).toBe(1);
    expect(countOf(t.db, `user:${good.id}`)).toBe(1);
    expect(consumer.stats().failed).toBe(0);
    await consumer.stop();
    await t.cleanup();
  });

  it("runs handlers in the event's scope: events they enqueue carry its correlation id and the event id as causation", async () => {
    const t = await setup("scope");
    const greeted = defineEvent("tests.user.greeted", z.object({ userId: z.string() }));
    const consumer = t.consumer({
      handlers: {
        [userRegistered.subject]: handleEvent(userRegistered, (tx, event, delivery) => {
          enqueueEvent(tx, consumerSchema.outbox, greeted, { userId: event.data.userId }, { aggregateId: event.data.userId });
        }),
      },
    });
    t.relay.start();
    consumer.start();
    t.register("Ann");
    await waitFor("handled", async () => (consumer.stats().handled === 1 ? true : undefined));
    const source = JSON.parse(t.users.db.select().from(usersSchema.outbox).get()!.envelope);
    const caused = JSON.parse(t.db.select().from(consumerSchema.outbox).get()!.envelope);
    expect(caused).toMatchObject({ subject: "tests.user.greeted", correlationId: source.correlationId, causationId: source.id });
    await consumer.stop();
    await t.cleanup();
  });

  it("re-establishes consuming after NATS restarts on the same store", async () => {
    const t = await setup("restart");
    const connection = createNatsConnection({ url: t.nats.url, name: "restart-test", logger: silent, reconnectTimeWaitMs: 100 });
    connection.start();
    const consumer = t.consumer({ handlers: { [userRegistered.subject]: countRegistration }, reconnectBackoff: { initialMs: 50, maxMs: 300 } }, connection);
    t.relay.start();
    consumer.start();
    t.register("Before");
    await waitFor("before handled", async () => (consumer.stats().handled === 1 ? true : undefined));

    const restarted: RunningNats = await t.nats.restart();
    await waitFor("reconnected", async () => (connection.status() === "connected" ? true : undefined), 15_000);
    const after = t.register("After");
    await waitFor("after handled", async () => (countOf(t.db, `user:${after.id}`) === 1 ? true : undefined), 30_000);
    expect(countOf(t.db, "registered")).toBe(2);
    expect(restarted.port).toBe(t.nats.port);
    // Consuming again, and its health no longer shows the outage's error.
    const [health] = Object.values(consumer.health().consumers);
    expect(health).toMatchObject({ consuming: true });
    expect(health!.lastError).toBeUndefined();
    await consumer.stop();
    await connection.stop();
    await t.cleanup();
  });

  it("stops at once when stopped while it is still setting up its durable consumer, with no consume loop left running", async () => {
    const t = await setup("early-stop");
    const consumer = t.consumer({ handlers: { [userRegistered.subject]: countRegistration } });
    // A worker told to stop right after start (SIGTERM during start-up): the durable consumer
    // is still being created when stop() runs.
    consumer.start();
    const stopped = await Promise.race([Promise.resolve(consumer.stop()).then(() => "stopped" as const), new Promise<"hung">((resolve) => setTimeout(() => resolve("hung"), 5_000))]);
    expect(stopped).toBe("stopped");
    expect(consumer.stats().consuming).toBe(false);
    await t.cleanup();
  });
});
