/** Consistency tokens: what a write's events become, read back exactly; merged, bounded; a tampered or foreign token refused naming the header. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { v4 as uuidv4, v7 as uuidv7 } from "uuid";
import { DomainError } from "../core/errors";
import { answerTokenOf, createConsistencyTokens, maxTokenEvents, subjectTag } from "./consistency-token";

const secret = "a-mesh-secret-of-at-least-32-bytes-0123456789";
const now = Date.parse("2026-03-01T12:00:00.000Z");
const tokens = createConsistencyTokens(secret, { now: () => now });
const idAt = (ms: number) => uuidv7({ msecs: ms });

function refusal(token: string): DomainError {
  try {
    tokens.read(token);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error("the token was accepted");
}

describe("consistency tokens", () => {
  it("name each event by its stream, subject tag, id and time, whatever the subjects and ids", () => {
    const subject = fc
      .tuple(fc.constantFrom("orders", "inventory", "users", "a-very-long-worker-name"), fc.stringMatching(/^[a-z]{1,12}\.[a-z]{1,12}$/))
      .map(([owner, rest]) => `${owner}.${rest}`);
    const event = fc.record({ subject, at: fc.integer({ min: now - 3_600_000, max: now }) }).map(({ subject, at }) => ({ subject, id: idAt(at) }));
    fc.assert(
      fc.property(fc.uniqueArray(event, { minLength: 1, maxLength: maxTokenEvents, selector: (e) => e.id }), (events) => {
        const read = tokens.read(tokens.issue(events)!);
        const expected = events.map((e) => ({
          owner: e.subject.split(".")[0],
          tag: subjectTag(e.subject),
          id: e.id,
          writtenAt: Number.parseInt(e.id.replace(/-/g, "").slice(0, 12), 16),
        }));
        expect([...read].sort((a, b) => a.id.localeCompare(b.id))).toEqual(expected.sort((a, b) => a.id.localeCompare(b.id)));
      }),
      { numRuns: 200 },
    );
  });

  it("is compact: a placed order's four events in three streams take under 200 characters", () => {
    const events = ["orders.order.placed", "inventory.reservation.reserved", "payments.authorization.granted", "orders.order.confirmed"].map((subject, i) => ({
      subject,
      id: idAt(now - i),
    }));
    expect(tokens.issue(events)!.length).toBeLessThan(200);
  });

  it("merges tokens and new events without repeats, keeping the newest 64 and dropping those older than the inbox keeps", () => {
    const first = tokens.issue([{ subject: "orders.order.placed", id: idAt(now - 10) }])!;
    const again = tokens.issue([{ subject: "orders.order.placed", id: tokens.read(first)[0]!.id }], [first, "not a token"]);
    // The repeat is named once; a token that fails its check (a peer's) is left out, not a failure.
    expect(tokens.read(again!)).toHaveLength(1);
    const many = Array.from({ length: 80 }, (_, i) => ({ subject: "orders.order.placed", id: idAt(now - 1000 + i) }));
    const kept = tokens.read(tokens.issue(many, [first])!);
    expect(kept).toHaveLength(maxTokenEvents);
    // 81 events (the 80 and the first token's): the oldest 17 go.
    expect(Math.min(...kept.map((e) => e.writtenAt!))).toBe(now - 1000 + 17);
    const old = { subject: "orders.order.placed", id: idAt(now - 8 * 24 * 3_600_000) };
    expect(tokens.issue([old])).toBeUndefined();
    const v4 = { subject: "orders.order.placed", id: uuidv4() };
    expect(tokens.read(tokens.issue([v4])!)).toEqual([{ owner: "orders", tag: subjectTag(v4.subject), id: v4.id, writtenAt: null }]);
  });

  it("refuses a tampered, foreign or malformed token with a BAD_INPUT naming x-consistency-token", () => {
    const token = tokens.issue([{ subject: "orders.order.confirmed", id: idAt(now) }])!;
    const flipped = token.slice(0, 5) + (token[5] === "A" ? "B" : "A") + token.slice(6);
    const foreign = createConsistencyTokens("another-mesh-secret-of-at-least-32-bytes!!", { now: () => now }).issue([{ subject: "orders.order.confirmed", id: idAt(now) }])!;
    for (const bad of [flipped, foreign, "not a token", "", token.slice(0, 20), `${token}A`]) {
      const error = refusal(bad);
      expect(error.code).toBe("BAD_INPUT");
      expect(error.message).toMatch(/^x-consistency-token: /);
      expect(error.details).toMatchObject({ fields: [{ path: "x-consistency-token" }] });
    }
  });

  it("answers a request with a token only when it wrote (its own events or a peer's token), including the token it came with", () => {
    const came = tokens.issue([{ subject: "users.user.registered", id: idAt(now - 5) }])!;
    expect(answerTokenOf(tokens, { produced: [], received: [], readAfter: came, readModels: [] })).toBeUndefined();
    const answered = answerTokenOf(tokens, { produced: [{ subject: "orders.order.placed", id: idAt(now) }], received: [], readAfter: came, readModels: [] })!;
    expect(
      tokens
        .read(answered)
        .map((e) => e.owner)
        .sort(),
    ).toEqual(["orders", "users"]);
  });
});
