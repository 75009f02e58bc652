import { afterAll, describe, expect, it } from "vitest";
import { connect, headers as natsHeaders } from "nats";
import { createEventConsumer, handleEvent } from "../shared/events/consumer";
import { fixedNatsConnection } from "../shared/events/nats";
import { deadLetterHeaders, deadLetterStream, ensureDeadLetterStream, listDeadLetters } from "../shared/events/dlq";
import { ensureStream } from "../shared/events/streams";
import { newId } from "../shared/core/ids";
import { runDlqCommand } from "../shared/mesh/dlq-command";
import { userRegistered } from "../workers/users/events";
import { freePort, startNats, stopAll, tempDir, waitFor } from "./support/processes";
import { bump, countOf, openConsumerDb, silent } from "./fixtures/events-consumer/helpers";
import * as consumerSchema from "./fixtures/events-consumer/schema";

afterAll(stopAll);

function capture() {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, print: (l: string) => void lines.push(l), printError: (l: string) => void errors.push(l) };
}

describe("mesh dlq command", () => {
  it("lists, shows, replays (once, keeping the event id) and drops dead letters", async () => {
    const nats = await startNats();
    const nc = await connect({ servers: nats.url });
    const { db, close } = await openConsumerDb(tempDir("dlq-cli"));
    await ensureStream(await nc.jetstreamManager(), "users");
    let accept = false;
    const consumer = createEventConsumer({
      db,
      inbox: consumerSchema.inbox,
      name: "cli-consumer",
      owner: "users",
      nats: fixedNatsConnection(nc),
      logger: silent,
      maxDeliver: 1,
      handlers: {
        [userRegistered.subject]: handleEvent(userRegistered, (tx, event) => {
          if (!accept) throw new Error("not yet");
          bump(tx, event.data.userId);
        }),
      },
    });
    consumer.start();
    const envelope = (userId: string) => ({
      id: newId(),
      type: userRegistered.subject,
      subject: userRegistered.subject,
      occurredAt: new Date().toISOString(),
      correlationId: `corr-${userId}`,
      causationId: null,
      data: { userId, name: userId, registeredAt: new Date().toISOString() },
    });
    const first = envelope("u1");
    for (const e of [first, envelope("u2")]) {
      await nc.jetstream().publish(userRegistered.subject, new TextEncoder().encode(JSON.stringify(e)), { msgID: e.id });
    }
    await waitFor("two dead letters", async () => (consumer.stats().deadLettered === 2 ? true : undefined));

    const list = capture();
    expect(await runDlqCommand(["list"], { natsUrl: nats.url, ...list })).toBe(0);
    expect(list.lines).toHaveLength(2);
    expect(list.lines[0]).toMatch(/^1\tcli-consumer\tusers\.user\.registered\tattempts=1\t.*not yet$/);

    const show = capture();
    expect(await runDlqCommand(["show", "1"], { natsUrl: nats.url, ...show })).toBe(0);
    expect(JSON.parse(show.lines.join("\n"))).toMatchObject({ seq: 1, originalMsgId: first.id, headers: {}, error: "not yet" });

    accept = true;
    const replay = capture();
    expect(await runDlqCommand(["replay", "1"], { natsUrl: nats.url, ...replay })).toBe(0);
    expect(replay.lines).toEqual([`replayed 1 to users.user.registered as ${first.id}:replay:1`]);
    await waitFor("replay applied", async () => (countOf(db, "u1") === 1 ? true : undefined));

    const drop = capture();
    expect(await runDlqCommand(["drop", "--all", "--consumer", "cli-consumer"], { natsUrl: nats.url, ...drop })).toBe(0);
    expect(drop.lines).toEqual(["dropped 2"]);
    expect(countOf(db, "u2")).toBe(0);

    const empty = capture();
    expect(await runDlqCommand(["list"], { natsUrl: nats.url, ...empty })).toBe(0);
    expect(empty.lines).toEqual(["no dead letters"]);
    const gone = capture();
    expect(await runDlqCommand(["show", "1"], { natsUrl: nats.url, ...gone })).toBe(1);
    expect(gone.errors).toEqual(["dead letter 1 not found"]);

    await consumer.stop();
    await nc.close();
    close();
  });

  it("lists one consumer's dead letters by subject, in order, across the gaps drops leave and past other consumers' letters", async () => {
    const nats = await startNats();
    const nc = await connect({ servers: nats.url });
    await ensureDeadLetterStream(nc);
    const letter = (consumer: string, n: number) => {
      const h = natsHeaders();
      h.set(deadLetterHeaders.consumer, consumer);
      h.set(deadLetterHeaders.subject, "users.user.registered");
      h.set(deadLetterHeaders.attempts, "5");
      h.set(deadLetterHeaders.error, `failure ${n}`);
      return nc.jetstream().publish(`dlq.${consumer}.users.user.registered`, new TextEncoder().encode(`{"n":${n}}`), { headers: h });
    };
    // 400 letters of "busy", every tenth one of "rare"; then most of busy's dropped, leaving gaps.
    for (let n = 0; n < 400; n++) await letter(n % 10 === 0 ? "rare" : "busy", n);
    const jsm = await nc.jetstreamManager();
    for (let seq = 2; seq <= 300; seq++) if ((seq - 1) % 10 !== 0) await jsm.streams.deleteMessage(deadLetterStream.name, seq, false);
    const rare = await listDeadLetters(nc, { consumer: "rare" });
    expect(rare.map((l) => l.error)).toEqual(Array.from({ length: 40 }, (_, i) => `failure ${i * 10}`));
    expect(rare.map((l) => l.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i * 10 + 1));
    const busy = await listDeadLetters(nc, { consumer: "busy" });
    expect(busy).toHaveLength(90); // 360 written, 270 of them (seq 2..300) dropped
    expect(busy.every((l) => l.consumer === "busy" && l.seq > 300)).toBe(true);
    expect(await listDeadLetters(nc, { limit: 5 })).toHaveLength(5);
    expect(await listDeadLetters(nc, { consumer: "nobody" })).toEqual([]);
    await nc.close();
  });

  it("answers bad usage with 2 and an unreachable NATS with 1 naming the URL", async () => {
    const bad = capture();
    expect(await runDlqCommand(["explode"], { natsUrl: "nats://127.0.0.1:1", ...bad })).toBe(2);
    expect(bad.errors[0]).toMatch(/usage/);
    const noSeq = capture();
    expect(await runDlqCommand(["replay"], { natsUrl: "nats://127.0.0.1:1", ...noSeq })).toBe(2);
    const url = `nats://127.0.0.1:${await freePort()}`;
    const down = capture();
    expect(await runDlqCommand(["list"], { natsUrl: url, ...down })).toBe(1);
    expect(down.errors[0]).toContain(url);
  });
});
