/**
 * The read-model gate on a real SQLite file: a read with a token answers once the consumer has
 * applied the token's events (woken by the apply, not polling), or READ_MODEL_BEHIND naming the
 * lag once its wait is up; without a token at once, with the position and lag noted for the answer.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { v7 as uuidv7 } from "uuid";
import { bump, countOf, useConsumerDb } from "../../test/fixtures/events-consumer/helpers";
import * as schema from "../../test/fixtures/events-consumer/schema";
import { consistencyOf } from "../core/consistency-scope";
import { DomainError } from "../core/errors";
import { runInRequestScope } from "../core/request-scope";
import { createConsistencyTokens } from "./consistency-token";
import { defineEvent, type EventEnvelope } from "./envelope";
import { applyOnce, handleEvent } from "./inbox";
import { recordingPositions } from "./positions";
import { createReadModelGate, type ReadModelGateOptions } from "./read-model";

const counted = defineEvent("shop.thing.counted", z.object({ key: z.string() }));
const ignored = "shop.thing.ignored";
const tokens = createConsistencyTokens("a-mesh-secret-of-at-least-32-bytes-0123456789");
const database = useConsumerDb("read-model");
const consumer = "counter";
const handlers = recordingPositions({ [counted.subject]: handleEvent(counted, (tx, e) => bump(tx, e.data.key)) }, schema.consumerPositions, consumer);

let sequence = 0;
const eventOf = (key: string, subject: string = counted.subject, at = Date.now()): EventEnvelope<{ key: string }> => ({
  id: uuidv7({ msecs: at }),
  type: subject,
  subject,
  occurredAt: new Date(at).toISOString(),
  correlationId: "c",
  causationId: null,
  data: { key },
});

function gateOf(options: Partial<ReadModelGateOptions> = {}) {
  const caughtUp = { consuming: true, pending: 0, handled: 0, duplicates: 0, failed: 0, deadLettered: 0, ignored: 0 };
  const gate = createReadModelGate({
    name: "shop-read-model",
    db: database.db,
    inbox: schema.inbox,
    positions: schema.consumerPositions,
    tokens,
    consumers: [{ name: consumer, owner: "shop", subjects: [counted.subject] }],
    maxWaitMs: 2_000,
    health: () => caughtUp,
    ...options,
  });
  /** What the consumer does: apply in one transaction, then tell the gate. */
  const apply = (event: EventEnvelope<{ key: string }>) => {
    const delivery = { stream: "SHOP", streamSequence: ++sequence };
    applyOnce(database.db, schema.inbox, consumer, event, handlers[counted.subject]!, delivery);
    gate.applied(consumer, event, delivery);
  };
  return { gate, apply, caughtUp };
}

/** Reads `key` through the gate as a request carrying `token` would; what the read model said of itself comes back too. */
async function readWith(gate: ReturnType<typeof gateOf>["gate"], key: string, token?: string) {
  return runInRequestScope({ correlationId: "r" }, async () => {
    if (token) consistencyOf()!.readAfter = token;
    const value = await gate.read(() => countOf(database.db, key));
    return { value, facts: consistencyOf()!.readModels };
  });
}

async function refusalOf(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(error)}`);
  return error;
}

describe("read-model gate", () => {
  it("answers at once without a token, noting the position and no lag while the consumer is caught up", async () => {
    const { gate, apply } = gateOf();
    apply(eventOf("a"));
    expect(await readWith(gate, "a")).toEqual({ value: 1, facts: [{ position: `SHOP:${sequence}`, lagMs: 0 }] });
  });

  it("waits for a token's event that is not applied yet and answers with it once the consumer has applied it", async () => {
    const { gate, apply } = gateOf();
    const event = eventOf("b");
    const reading = readWith(gate, "b", tokens.issue([event]));
    // Nothing was applied, so the read is still waiting: the apply below is what answers it.
    apply(event);
    expect((await reading).value).toBe(1);
    // Applied already: the same token answers at once.
    expect((await readWith(gate, "b", tokens.issue([event]))).value).toBe(1);
  });

  it("does not wait for events it never applies: other streams, subjects it ignores, events older than its inbox keeps", async () => {
    const { gate } = gateOf({ horizonMs: 60_000 });
    const token = tokens.issue([eventOf("x", ignored), eventOf("x", "elsewhere.thing.counted"), eventOf("x", counted.subject, Date.now() - 120_000)]);
    expect((await readWith(gate, "x", token)).value).toBe(0);
  });

  it("answers READ_MODEL_BEHIND naming the lag once its wait is up, and keeps no waiter behind", async () => {
    const { gate, caughtUp } = gateOf({ maxWaitMs: 20, maxWaiting: 1 });
    caughtUp.consuming = false;
    const written = Date.now() - 5_000;
    const error = await refusalOf(readWith(gate, "c", tokens.issue([eventOf("c", counted.subject, written)])));
    expect(error.code).toBe("READ_MODEL_BEHIND");
    expect(error.message).toMatch(/shop-read-model's read model has not applied 1 event\(s\) of the x-consistency-token yet \(after 20 ms\); it lags \d+ ms/);
    expect(error.details!["lagMs"]).toBeGreaterThanOrEqual(5_000);
    expect(error.details!["retryAfterS"]).toBeGreaterThanOrEqual(5);
    // The one waiting place was given back: the next read waits its turn too rather than being refused as crowded.
    const next = await refusalOf(readWith(gate, "c", tokens.issue([eventOf("c")])));
    expect(next.message).toContain("(after 20 ms)");
  });

  it("refuses at once a read beyond the waiting bound, and a bad token with BAD_INPUT", async () => {
    const { gate, apply } = gateOf({ maxWaiting: 1 });
    const first = eventOf("d");
    const waiting = readWith(gate, "d", tokens.issue([first]));
    const crowded = await refusalOf(readWith(gate, "d", tokens.issue([eventOf("d")])));
    expect(crowded.message).toContain("1 reads are already waiting");
    apply(first);
    expect((await waiting).value).toBe(1);
    expect((await refusalOf(readWith(gate, "d", "forged"))).code).toBe("BAD_INPUT");
  });

  it("says how far behind it is from the last applied event when its consumer is not caught up, from the positions it recorded", async () => {
    const { apply } = gateOf();
    apply(eventOf("e", counted.subject, Date.now() - 3_000));
    // A gate made afterwards (the process restarted) knows the position from consumer_positions.
    const later = gateOf();
    later.caughtUp.consuming = false;
    const { facts } = await readWith(later.gate, "e");
    expect(facts[0]!.position).toBe(`SHOP:${sequence}`);
    expect(facts[0]!.lagMs).toBeGreaterThanOrEqual(3_000);
  });

  it("tells the facts of the consumers named only, when asked for some (orders' copies among its consumers)", () => {
    const { gate, apply } = gateOf({
      consumers: [
        { name: consumer, owner: "shop", subjects: [counted.subject] },
        { name: "other", owner: "elsewhere", subjects: ["elsewhere.thing.done"] },
      ],
      health: (name) => ({ consuming: name !== "other", pending: 0, handled: 0, duplicates: 0, failed: 0, deadLettered: 0, ignored: 0 }),
    });
    apply(eventOf("f"));
    gate.applied("other", eventOf("g", "elsewhere.thing.done", Date.now() - 5_000), { stream: "ELSEWHERE", streamSequence: 9 });
    expect(gate.facts()).toMatchObject({ position: `SHOP:${sequence},ELSEWHERE:9` });
    expect(gate.facts().lagMs).toBeGreaterThanOrEqual(5_000);
    expect(gate.facts([consumer])).toEqual({ position: `SHOP:${sequence}`, lagMs: 0 });
  });
});
