/**
 * The orders bench's arithmetic and load mix (bench/lib/order-figures.ts, bench/lib/seed.ts): the
 * figures the results state are computed from every process of a side, and each request carries
 * its own body, the same sequence for every side.
 */
import { describe, expect, it } from "vitest";
import { cpuPerConfirmed, cpuPerConfirmedWithoutNats, medianPairRatio, perProcessOf } from "../bench/lib/order-figures";
import type { OrderRun } from "../bench/lib/order-load";
import { orderMix } from "../bench/lib/seed";

const run = (cpuMs: Record<string, number | null>, confirmed: number): OrderRun =>
  ({
    confirmed,
    cpuMs,
    accepted202Ends: {},
    confirmedPerSec: confirmed,
    accepted202: 0,
    rejected201: 0,
    non2xx: 0,
    errors: 0,
    p50Ms: 1,
    p90Ms: 1,
    p99Ms: 1,
    maxMs: 1,
    seconds: 1,
  }) as OrderRun;

describe("orders bench figures", () => {
  it("counts every process of the side, and states the figure without nats-server beside it", () => {
    const r = run({ orders: 300, gateway: 100, launcher: 10, "nats-server": 90 }, 100);
    expect(cpuPerConfirmed(r)).toBe(5);
    expect(cpuPerConfirmedWithoutNats(r)).toBe(4.1);
    expect(perProcessOf(r)).toEqual({ orders: 3, gateway: 1, launcher: 0.1, "nats-server": 0.9 });
  });

  it("gives no figure when a process's CPU is unknown or no order was confirmed", () => {
    expect(cpuPerConfirmed(run({ orders: 300, "nats-server": null }, 100))).toBeNaN();
    expect(cpuPerConfirmed(run({ orders: 300 }, 0))).toBeNaN();
  });

  it("takes a side's ratio as the median of its per-pair ratios", () => {
    expect(
      medianPairRatio([
        { side: 12, base: 10 },
        { side: 30, base: 10 },
        { side: 11, base: 10 },
      ]),
    ).toBe(1.2);
  });
});

describe("orderMix", () => {
  const fixtures = { customerIds: Array.from({ length: 1000 }, (_, i) => `c${i}`), productIds: Array.from({ length: 100 }, (_, i) => `p${i}`) };

  it("sends a new body per request, spread over the customers and products", () => {
    const next = orderMix(fixtures);
    const bodies = Array.from({ length: 2000 }, () => JSON.parse(next()));
    expect(new Set(bodies.map((b) => b.customerId)).size).toBeGreaterThan(800);
    expect(new Set(bodies.map((b) => b.items[0].productId)).size).toBe(100);
    expect(bodies.every((b) => b.items[0].quantity === 1)).toBe(true);
  });

  it("gives every side the same sequence", () => {
    const a = orderMix(fixtures);
    const b = orderMix(fixtures);
    expect(Array.from({ length: 50 }, () => a())).toEqual(Array.from({ length: 50 }, () => b()));
  });
});
