/**
 * inventory's forward-only step carried by orders' event, in-process: a confirmed order's
 * reservation committed once (a redelivery or a republish changes nothing), and a cancellation
 * that overtakes the confirmed event (a failed delivery redelivered after it) commits then returns,
 * after which the late confirmed commits nothing.
 */
import { describe, expect, it } from "vitest";
import { applyOnce } from "../../shared/events/inbox";
import { cancellationRequested, orderConfirmed } from "../orders/events";
import { useInProcessWorker } from "../../test/support/in-process";
import { envelopeOf } from "../../test/support/envelope";
import { ordersConsumerName, ordersHandlers } from "./consumers";
import { prepareInventoryQueries } from "./queries";
import * as schema from "./schema";
import { createInventoryWorker } from "./worker";

const now = () => new Date("2026-01-02T10:00:00Z");
const lines = [{ productId: "p1", name: "P", unitPriceCents: 100, quantity: 2 }];
const confirmed = (orderId: string) => envelopeOf(orderConfirmed, { orderId, customerId: "c1", lines, totalCents: 200, confirmedAt: now().toISOString() }, now());
const cancellation = (orderId: string) =>
  envelopeOf(cancellationRequested, { orderId, customerId: "c1", lines, totalCents: 200, capturedCents: 200, requestedAt: now().toISOString() }, now());

describe("inventory commits a confirmed order's stock from orders.order.confirmed (in-process)", () => {
  const t = useInProcessWorker("inventory", schema, (deps) => createInventoryWorker(deps), { now });
  const apply = (event: { subject: string; id: string }) => {
    const handler = ordersHandlers(prepareInventoryQueries(t.database.db), now)[event.subject]!;
    return applyOnce(t.database.db, schema.inbox, ordersConsumerName, event as never, handler, { stream: "ORDERS", streamSequence: 1 });
  };
  const stockOf = async (productId: string) => t.data(await t.query("get", { productId }));
  const statusOf = async (orderId: string) => t.data(await t.query("reservations", { orderId })).items[0].status;
  const subjects = () =>
    t.database.db
      .select()
      .from(schema.outbox)
      .all()
      .map((row) => JSON.parse(row.envelope).subject as string);

  it("commits the reservation once: a redelivery is a duplicate, a republished event under a new id changes nothing", async () => {
    await t.mutate("setStock", { productId: "p1", onHand: 10 });
    await t.mutate("reserve", { orderId: "o1", lines: [{ productId: "p1", quantity: 2 }] });
    const event = confirmed("o1");
    expect(apply(event)).toBe("handled");
    expect(await statusOf("o1")).toBe("COMMITTED");
    expect(await stockOf("p1")).toMatchObject({ onHand: 8, reserved: 0 });
    expect(apply(event)).toBe("duplicate");
    expect(apply(confirmed("o1"))).toBe("handled");
    expect(await stockOf("p1")).toMatchObject({ onHand: 8, reserved: 0 });
    expect(subjects().filter((s) => s === "inventory.reservation.committed")).toHaveLength(1);
  });

  it("a confirmed order whose reservation is unknown throws and leaves nothing (retried, then dead-lettered)", () => {
    expect(() => apply(confirmed("ghost"))).toThrow(/reservation for order ghost not found/);
    expect(t.database.db.select().from(schema.inbox).all()).toEqual([]);
  });

  it("a cancellation seen before the confirmed event commits then returns; the late confirmed commits nothing", async () => {
    await t.mutate("setStock", { productId: "p1", onHand: 10 });
    await t.mutate("reserve", { orderId: "o2", lines: [{ productId: "p1", quantity: 2 }] });
    expect(apply(cancellation("o2"))).toBe("handled");
    expect(await statusOf("o2")).toBe("COMMITTED");
    expect(await stockOf("p1")).toMatchObject({ onHand: 10, reserved: 0, available: 10 });
    expect(apply(confirmed("o2"))).toBe("handled");
    expect(await stockOf("p1")).toMatchObject({ onHand: 10, reserved: 0, available: 10 });
    expect(subjects().filter((s) => s !== "inventory.stock.adjusted")).toEqual(["inventory.reservation.reserved", "inventory.reservation.committed", "inventory.stock.returned"]);
  });

  it("a cancellation seen after the confirmed event returns what was committed, once", async () => {
    await t.mutate("setStock", { productId: "p1", onHand: 10 });
    await t.mutate("reserve", { orderId: "o3", lines: [{ productId: "p1", quantity: 2 }] });
    apply(confirmed("o3"));
    expect(apply(cancellation("o3"))).toBe("handled");
    expect(apply(cancellation("o3"))).toBe("handled");
    expect(await stockOf("p1")).toMatchObject({ onHand: 10, reserved: 0 });
    expect(subjects().filter((s) => s === "inventory.stock.returned")).toHaveLength(1);
  });
});
