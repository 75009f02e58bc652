import { describe, expect, it } from "vitest";
import { stuckCancellationLines } from "./status";

describe("mesh status lists stuck cancellations", () => {
  it("one line per order orders' readiness lists as CANCEL_STUCK, with its reason", () => {
    const workers = [
      { name: "users", pid: 1, url: "u", ready: true, details: {} },
      { name: "orders", pid: 2, url: "o", ready: true, details: { sagasNeedingAttention: 0, cancelStuck: [{ orderId: "o9", reason: "no payments.payment.refunded within 60000 ms" }] } },
    ];
    expect(stuckCancellationLines(workers)).toEqual(["CANCEL_STUCK order o9: no payments.payment.refunded within 60000 ms"]);
  });
});
