/** Bounds from the rate and the retention: a pruned series that levels off is within, a leaking one is not, history grows with the orders. */
import { describe, expect, it } from "vitest";
import { judgeSeries, passMs, tableRetention } from "./bounds";
import { scaledRetention } from "./retention";
import type { Sample } from "./sample";

// Readings every 30 s at 10 orders/s, the first after seeding, the second the calibration reading at 10 s.
const times = [0, 10, 30, 60, 90, 120, 150, 180];
const samples = times.map((atS) => ({ atS, counts: { orders: atS * 10, confirmed: atS * 10, failed: 0, requests: atS * 20 } }) as Sample);

describe("judgeSeries", () => {
  it("holds a table pruned after 60 s (2 rows an order) within 2 × 10/s × (60 s + a pass) plus the seed's rows, levelled off", () => {
    const values = times.map((t) => 5 + 2 * 10 * Math.min(t, 60 + (t > 60 ? 30 : 0)));
    const verdict = judgeSeries({ series: "orders.outbox", kind: "sent outbox", retentionMs: 60_000, values }, samples);
    expect(verdict.perOrder).toBe(2);
    expect(verdict.bound).toBe(5 + 2 * 10 * ((60_000 + passMs) / 1000) + 1000);
    expect(verdict).toMatchObject({ within: true, reached: true, levelled: true });
  });

  it("finds a table that keeps growing past its retention outside its bound and not levelled", () => {
    const values = times.map((t) => 3 * 10 * t);
    expect(judgeSeries({ series: "x.inbox", kind: "inbox", retentionMs: 30_000, values }, samples)).toMatchObject({ within: false, reached: true, levelled: false });
  });

  it("bounds a history table by the orders placed, and says a retention longer than the run is not reached", () => {
    const history = judgeSeries({ series: "orders.orders", kind: "history", retentionMs: null, values: times.map((t) => 10 * t) }, samples);
    expect(history).toMatchObject({ within: true, reached: false });
    expect(judgeSeries({ series: "s", kind: "stream", retentionMs: 3_600_000, values: times.map((t) => 10 * t) }, samples)).toMatchObject({
      within: true,
      reached: false,
      levelled: false,
    });
  });

  it("names the retention each kind of table is kept by", () => {
    const { retention } = scaledRetention(1);
    expect(["outbox", "inbox", "idempotency_keys", "saga_log", "orders"].map((t) => tableRetention(t, retention).kind)).toEqual([
      "sent outbox",
      "inbox",
      "idempotency keys",
      "finished sagas",
      "history",
    ]);
  });
});
