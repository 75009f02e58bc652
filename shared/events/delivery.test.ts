/** A consumer's decisions about a delivered message, without NATS: what it is, and what follows a failure. */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { afterHandlerFailure, consumerTarget, defaultNakDelay, describeError, readMessage } from "./delivery";
import { defineEvent } from "./envelope";
import { handleEvent } from "./inbox";

const registered = defineEvent("tests.user.registered", z.object({ userId: z.string(), name: z.string().min(1) }));
const renamed = defineEvent("tests.user.renamed", z.object({ userId: z.string() }));
const handlers = { [registered.subject]: handleEvent(registered, () => undefined) };

const envelope = (overrides: Record<string, unknown> = {}) => ({
  id: "0193a1c2-0000-7000-8000-000000000001",
  type: registered.subject,
  subject: registered.subject,
  occurredAt: "2026-01-01T00:00:00.000Z",
  correlationId: "corr-1",
  causationId: null,
  data: { userId: "u1", name: "Ann" },
  ...overrides,
});
const body = (overrides?: Record<string, unknown>) => JSON.stringify(envelope(overrides));

describe("readMessage (the envelope check)", () => {
  it("reads a well-formed event with the handler of its subject", () => {
    const read = readMessage(registered.subject, body(), handlers);
    expect(read).toEqual({ kind: "event", event: envelope(), handler: handlers[registered.subject] });
  });

  it("calls a body that is not JSON malformed, whatever its subject", () => {
    for (const subject of [registered.subject, renamed.subject]) {
      const read = readMessage(subject, "{not json", handlers);
      expect(read.kind).toBe("malformed");
      expect(read.kind === "malformed" && read.error).toMatch(/^malformed message: not JSON \(/);
    }
  });

  it("ignores a subject it has no handler for (the filter is wider than the handlers)", () => {
    expect(readMessage(renamed.subject, body({ subject: renamed.subject, type: renamed.subject }), handlers)).toEqual({ kind: "ignored" });
  });

  it("calls malformed an envelope or data failing the schema, naming the field", () => {
    expect(readMessage(registered.subject, body({ id: "not-a-uuid" }), handlers)).toEqual({ kind: "malformed", error: expect.stringMatching(/^malformed message: id: /) });
    expect(readMessage(registered.subject, body({ data: { userId: "u1", name: "" } }), handlers)).toEqual({
      kind: "malformed",
      error: expect.stringMatching(/^malformed message: data\.name: /),
    });
  });

  it("calls malformed an envelope naming another subject than the message's", () => {
    const other = defineEvent("tests.user.welcomed", registered.schema);
    const read = readMessage(registered.subject, body({ subject: other.subject }), handlers);
    expect(read).toEqual({ kind: "malformed", error: `malformed message: envelope subject ${other.subject} is not the message subject ${registered.subject}` });
  });
});

describe("afterHandlerFailure (when a message is poison)", () => {
  it("naks with a delay growing with the attempts before maxDeliver, and dead-letters from the maxDeliver-th delivery on", () => {
    const delays = [1, 2, 3, 4].map((attempts) => afterHandlerFailure(attempts, 5));
    expect(delays.map((d) => d.action)).toEqual(["retry", "retry", "retry", "retry"]);
    const ms = delays.map((d) => (d.action === "retry" ? d.delayMs : 0));
    // 500, 1000, 2000, 4000 ms, each ±20% jitter.
    ms.forEach((delay, i) => {
      expect(delay).toBeGreaterThanOrEqual(0.8 * defaultNakDelay.initialMs! * 2 ** i);
      expect(delay).toBeLessThanOrEqual(1.2 * defaultNakDelay.initialMs! * 2 ** i);
    });
    expect(afterHandlerFailure(5, 5)).toEqual({ action: "dead-letter" });
    expect(afterHandlerFailure(9, 5)).toEqual({ action: "dead-letter" }); // maxDeliver lowered since the message came
    expect(afterHandlerFailure(1, 1)).toEqual({ action: "dead-letter" });
  });

  it("takes the consumer's nak delays, capped at their maximum", () => {
    const next = afterHandlerFailure(10, 20, { initialMs: 10, maxMs: 100 });
    expect(next.action === "retry" && next.delayMs).toBeLessThanOrEqual(120);
  });
});

describe("consumerTarget", () => {
  it("filters on the one handled subject, or on the owner's whole stream for several", () => {
    expect(consumerTarget("c1", "tests", handlers)).toEqual({ stream: "TESTS", filterSubject: registered.subject });
    const two = { ...handlers, [renamed.subject]: handleEvent(renamed, () => undefined) };
    expect(consumerTarget("c1", "tests", two)).toEqual({ stream: "TESTS", filterSubject: "tests.>" });
    expect(consumerTarget("c1", "tests", handlers, ["tests.user.>"])).toEqual({ stream: "TESTS", filterSubject: "tests.user.>" });
  });

  it("refuses a name the broker or a DLQ subject cannot carry, and a handler for another worker's events", () => {
    expect(() => consumerTarget("bad.name", "tests", handlers)).toThrow("consumer name bad.name must be letters, digits, - or _");
    expect(() => consumerTarget("c1", "orders", handlers)).toThrow(`consumer c1 reads orders's stream but handles ${registered.subject}`);
  });
});

describe("describeError", () => {
  it("puts zod issues on one line as path: message, and other errors by message", () => {
    const zod = z.object({ a: z.object({ b: z.string() }) }).safeParse({ a: { b: 1 } }).error;
    expect(describeError(zod)).toMatch(/^a\.b: /);
    expect(describeError(new Error("boom"))).toBe("boom");
    expect(describeError("plain")).toBe("plain");
  });
});
