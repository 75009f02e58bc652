/** inventory's reaction to a cancellation, in-process: the committed units back on hand once, with versioned levels; no reservation → throws (dead letters). */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { applyOnce } from "../../shared/events/inbox";
import { cancellationRequested } from "../orders/events";
import { useInProcessWorker } from "../../test/support/in-process";
import { envelopeOf } from "../../test/support/envelope";
import { ordersConsumerName, ordersHandlers } from "./consumers";
import { prepareInventoryQueries } from "./queries";
import * as schema from "./schema";
import { createInventoryWorker } from "./worker";

const now = () => new Date("2026-01-02T10:00:00Z");

function cancellation(orderId: string) {
  const data = {
    orderId,
    customerId: "c1",
    lines: [{ productId: "p1", name: "P", unitPriceCents: 100, quantity: 2 }],
    totalCents: 200,
    capturedCents: 200,
    requestedAt: now().toISOString(),
  };
  return envelopeOf(cancellationRequested, data, now());
}

describe("inventory takes back a cancelled order's units (in-process)", () => {
  const t = useInProcessWorker("inventory", schema, (deps) => createInventoryWorker(deps), { now });
  const handler = () => ordersHandlers(prepareInventoryQueries(t.database.db), now)[cancellationRequested.subject]!;
  const apply = (event: ReturnType<typeof cancellation>) => applyOnce(t.database.db, schema.inbox, ordersConsumerName, event, handler(), { stream: "ORDERS", streamSequence: 1 });
  const stockOf = async (productId: string) => t.data(await t.query("get", { productId }));
  const events = () =>
    t.database.db
      .select()
      .from(schema.outbox)
      .all()
      .map((row) => JSON.parse(row.envelope));

  it("returns the order's committed lines (as inventory recorded them) once and publishes inventory.stock.returned with versioned levels", async () => {
    await t.mutate("setStock", { productId: "p1", onHand: 10 });
    await t.mutate("setStock", { productId: "p2", onHand: 5 });
    await t.mutate("reserve", {
      orderId: "o1",
      lines: [
        { productId: "p1", quantity: 2 },
        { productId: "p2", quantity: 1 },
        { productId: "p1", quantity: 1 },
      ],
    });
    await t.mutate("commit", { orderId: "o1" });
    expect(await stockOf("p1")).toMatchObject({ onHand: 7, reserved: 0 });
    const committedVersion = t.database.db
      .select()
      .from(schema.stock)
      .all()
      .find((row) => row.productId === "p1")!.version;
    const event = cancellation("o1");
    expect(apply(event)).toBe("handled");
    expect(await stockOf("p1")).toMatchObject({ onHand: 10, reserved: 0, available: 10 });
    expect(await stockOf("p2")).toMatchObject({ onHand: 5 });
    const returned = events().at(-1);
    expect(returned).toMatchObject({
      subject: "inventory.stock.returned",
      data: {
        orderId: "o1",
        lines: [
          { productId: "p1", quantity: 2 },
          { productId: "p2", quantity: 1 },
          { productId: "p1", quantity: 1 },
        ],
      },
    });
    expect(returned.data.levels).toEqual([
      { productId: "p1", onHand: 10, reserved: 0, available: 10, version: expect.any(Number) },
      { productId: "p2", onHand: 5, reserved: 0, available: 5, version: expect.any(Number) },
    ]);
    expect(returned.data.levels[0].version).toBeGreaterThan(committedVersion);
    const outboxBefore = events().length;
    expect(apply(event)).toBe("duplicate");
    expect(apply({ ...event, id: randomUUID() })).toBe("handled");
    expect(await stockOf("p1")).toMatchObject({ onHand: 10 });
    expect(events()).toHaveLength(outboxBefore);
    expect(t.data(await t.query("reservations", { orderId: "o1" })).items[0].status).toBe("COMMITTED");
  });

  it("an order inventory holds no reservation for cannot be returned: it throws and leaves nothing", async () => {
    await t.mutate("setStock", { productId: "p1", onHand: 10 });
    expect(() => apply(cancellation("ghost"))).toThrow(/reservation for order ghost not found/);
    expect(await stockOf("p1")).toMatchObject({ onHand: 10, reserved: 0 });
    expect(t.database.db.select().from(schema.stockReturns).all()).toEqual([]);
    expect(t.database.db.select().from(schema.inbox).all()).toEqual([]);
  });
});
