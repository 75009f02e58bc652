/** Apply-once with the inbox on a real SQLite file: a handler's effect and its inbox row commit together or not at all. */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { bump, countOf, useConsumerDb } from "../../test/fixtures/events-consumer/helpers";
import * as schema from "../../test/fixtures/events-consumer/schema";
import { defineEvent, type EventEnvelope } from "./envelope";
import { applyOnce, handleEvent } from "./inbox";

const happened = defineEvent("tests.thing.happened", z.object({ name: z.string() }));
const delivery = { stream: "TESTS", streamSequence: 7 };

const database = useConsumerDb("inbox");

const event = (id: string): EventEnvelope<{ name: string }> => ({
  id,
  type: happened.subject,
  subject: happened.subject,
  occurredAt: "2026-01-01T00:00:00.000Z",
  correlationId: "c",
  causationId: null,
  data: { name: "n" },
});
const counting = handleEvent(happened, (tx, e) => bump(tx, e.data.name));
const inboxRows = () => database.db.select().from(schema.inbox).all();
const apply = (consumer: string, e: EventEnvelope, handler = counting) => applyOnce(database.db, schema.inbox, consumer, e, handler, delivery);

describe("applyOnce", () => {
  it("applies an event and records it in the inbox; the same event id again changes nothing", () => {
    const id = "0193a1c2-0000-7000-8000-000000000001";
    expect(apply("counter", event(id))).toBe("handled");
    expect(apply("counter", event(id))).toBe("duplicate");
    expect(countOf(database.db, "n")).toBe(1);
    expect(inboxRows()).toEqual([{ consumer: "counter", eventId: id, subject: happened.subject, handledAt: expect.any(Number) }]);
  });

  it("keeps one inbox per consumer: another consumer applies the same event once for itself", () => {
    const id = "0193a1c2-0000-7000-8000-000000000002";
    expect(apply("first", event(id))).toBe("handled");
    expect(apply("second", event(id))).toBe("handled");
    expect(apply("second", event(id))).toBe("duplicate");
    expect(countOf(database.db, "n")).toBe(2);
  });

  it("rolls back a failing handler's effect and writes no inbox row, so the retry applies it", () => {
    const id = "0193a1c2-0000-7000-8000-000000000003";
    let fail = true;
    const flaky = handleEvent(happened, (tx, e) => {
      bump(tx, e.data.name);
      if (fail) throw new Error("store down");
    });
    expect(() => apply("counter", event(id), flaky)).toThrow("store down");
    expect(countOf(database.db, "n")).toBe(0);
    expect(inboxRows()).toEqual([]);
    fail = false;
    expect(apply("counter", event(id), flaky)).toBe("handled");
    expect(countOf(database.db, "n")).toBe(1);
  });

  it("refuses a handler that returns a promise (its writes would land outside the transaction) and keeps nothing of it", () => {
    const asyncHandler = handleEvent(happened, (async (tx: Parameters<typeof counting.handle>[0]) => bump(tx, "n")) as never);
    expect(() => apply("counter", event("0193a1c2-0000-7000-8000-000000000004"), asyncHandler)).toThrow(/returned a promise/);
    expect(countOf(database.db, "n")).toBe(0);
    expect(inboxRows()).toEqual([]);
  });

  it("hands the handler the message's place in its stream", () => {
    const seen: unknown[] = [];
    apply(
      "reader",
      event("0193a1c2-0000-7000-8000-000000000005"),
      handleEvent(happened, (_tx, _e, d) => void seen.push(d)),
    );
    expect(seen).toEqual([delivery]);
  });
});
