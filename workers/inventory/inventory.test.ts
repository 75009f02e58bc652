import { beforeEach, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { useInProcessWorker } from "../../test/support/in-process";
import * as schema from "./schema";
import { createInventoryWorker } from "./worker";

/** The in-process worker's fixed clock, in ms: stock versions start from it. */
const clockMs = Date.parse("2026-01-01T00:00:00Z");

describe("inventory worker (in-process, better-sqlite3)", () => {
  const t = useInProcessWorker("inventory", schema, (deps) => createInventoryWorker(deps));
  const { mutate, query, data } = t;
  /** Everything inventory has written, to show a call changed nothing. */
  const tableState = () => ({
    stock: t.database.db.select().from(schema.stock).orderBy(schema.stock.productId).all(),
    reservations: t.database.db.select().from(schema.reservations).orderBy(schema.reservations.orderId).all(),
    lines: t.database.db.select().from(schema.reservationLines).all(),
    outbox: t.database.db.select({ subject: schema.outbox.subject }).from(schema.outbox).all(),
  });
  const stockRow = (productId: string) => t.database.db.select().from(schema.stock).where(eq(schema.stock.productId, productId)).get();

  it("sets stock and reads it back; a product never stocked reads as all zeros", async () => {
    expect(data(await mutate("setStock", { productId: "p1", onHand: 7 }))).toEqual({ productId: "p1", onHand: 7, reserved: 0, available: 7 });
    expect(data(await query("get", { productId: "p1" }))).toEqual({ productId: "p1", onHand: 7, reserved: 0, available: 7 });
    expect(data(await query("get", { productId: "never" }))).toEqual({ productId: "never", onHand: 0, reserved: 0, available: 0 });
    expect(data(await query("getMany", { productIds: ["never", "p1"] }))).toEqual([
      { productId: "never", onHand: 0, reserved: 0, available: 0 },
      { productId: "p1", onHand: 7, reserved: 0, available: 7 },
    ]);
    expect(stockRow("never")).toBeUndefined();
  });

  it("reserves every line, lowering what is available, and says so in one event with the levels after", async () => {
    await mutate("setStock", { productId: "p1", onHand: 5 });
    await mutate("setStock", { productId: "p2", onHand: 3 });
    const lines = [
      { productId: "p1", quantity: 2 },
      { productId: "p2", quantity: 3 },
    ];
    const reserved = await mutate("reserve", { orderId: "o1", lines }, { "x-correlation-id": "corr-inv-1" });
    expect(reserved.status).toBe(200);
    expect(data(reserved)).toEqual({ orderId: "o1", status: "RESERVED", lines });
    expect(data(await query("getMany", { productIds: ["p1", "p2"] }))).toEqual([
      { productId: "p1", onHand: 5, reserved: 2, available: 3 },
      { productId: "p2", onHand: 3, reserved: 3, available: 0 },
    ]);
    const events = t.database.db
      .select()
      .from(schema.outbox)
      .all()
      .map((row) => JSON.parse(row.envelope));
    expect(events.map((e) => e.subject)).toEqual(["inventory.stock.adjusted", "inventory.stock.adjusted", "inventory.reservation.reserved"]);
    // Each level carries its stock row's version: the clock's ms once set, one more for each change in the same ms.
    expect(events[0].data).toEqual({ productId: "p1", previousOnHand: 0, levels: [{ productId: "p1", onHand: 5, reserved: 0, available: 5, version: clockMs }] });
    expect(events[2]).toMatchObject({ correlationId: "corr-inv-1" });
    expect(events[2].data).toEqual({
      orderId: "o1",
      lines,
      levels: [
        { productId: "p1", onHand: 5, reserved: 2, available: 3, version: clockMs + 1 },
        { productId: "p2", onHand: 3, reserved: 3, available: 0, version: clockMs + 1 },
      ],
    });
  });

  it("a repeated reserve returns the first result and changes nothing", async () => {
    await mutate("setStock", { productId: "p1", onHand: 5 });
    const first = data(await mutate("reserve", { orderId: "o1", lines: [{ productId: "p1", quantity: 2 }] }));
    const before = tableState();
    const again = await mutate("reserve", { orderId: "o1", lines: [{ productId: "p1", quantity: 2 }] });
    expect(data(again)).toEqual(first);
    expect(tableState()).toEqual(before);
    expect(stockRow("p1")).toMatchObject({ onHand: 5, reserved: 2 });
  });

  it("reserves nothing when one line is short, answering OUT_OF_STOCK with the product, requested and available", async () => {
    await mutate("setStock", { productId: "p1", onHand: 5 });
    await mutate("setStock", { productId: "p2", onHand: 1 });
    const short = await mutate("reserve", {
      orderId: "o1",
      lines: [
        { productId: "p1", quantity: 2 },
        { productId: "p2", quantity: 2 },
      ],
    });
    expect(short.status).toBe(409);
    expect(short.body.error.data.domainCode).toBe("OUT_OF_STOCK");
    expect(short.body.error.data.details).toEqual({ productId: "p2", requested: 2, available: 1 });
    expect(short.body.error.message).toContain("p2");
    expect(stockRow("p1")).toMatchObject({ onHand: 5, reserved: 0 });
    expect(stockRow("p2")).toMatchObject({ onHand: 1, reserved: 0 });
    const [rejected] = data(await query("reservations", { orderId: "o1" })).items;
    expect(rejected).toMatchObject({ orderId: "o1", status: "REJECTED" });
    expect(
      t.database.db
        .select()
        .from(schema.outbox)
        .all()
        .map((r) => r.subject),
    ).not.toContain("inventory.reservation.reserved");
  });

  it("a repeated rejected reserve gets the same OUT_OF_STOCK even after stock arrived, and changes nothing", async () => {
    await mutate("setStock", { productId: "p1", onHand: 1 });
    const first = await mutate("reserve", { orderId: "o1", lines: [{ productId: "p1", quantity: 3 }] });
    await mutate("setStock", { productId: "p1", onHand: 10 });
    const before = tableState();
    const again = await mutate("reserve", { orderId: "o1", lines: [{ productId: "p1", quantity: 3 }] });
    expect(again.status).toBe(409);
    expect(again.body.error.data.details).toEqual(first.body.error.data.details);
    expect(again.body.error.data.details).toEqual({ productId: "p1", requested: 3, available: 1 });
    expect(tableState()).toEqual(before);
  });

  it("counts a product named on two lines against its stock once, in total", async () => {
    await mutate("setStock", { productId: "p1", onHand: 3 });
    const tooMany = await mutate("reserve", {
      orderId: "o1",
      lines: [
        { productId: "p1", quantity: 2 },
        { productId: "p1", quantity: 2 },
      ],
    });
    expect(tooMany.body.error.data.details).toEqual({ productId: "p1", requested: 4, available: 3 });
    expect(
      data(
        await mutate("reserve", {
          orderId: "o2",
          lines: [
            { productId: "p1", quantity: 1 },
            { productId: "p1", quantity: 2 },
          ],
        }),
      ).status,
    ).toBe("RESERVED");
    expect(stockRow("p1")).toMatchObject({ onHand: 3, reserved: 3 });
  });

  it("releases a reservation, giving the stock back; a repeat returns RELEASED and changes nothing", async () => {
    await mutate("setStock", { productId: "p1", onHand: 5 });
    await mutate("reserve", { orderId: "o1", lines: [{ productId: "p1", quantity: 4 }] });
    expect(data(await mutate("release", { orderId: "o1" }))).toEqual({ orderId: "o1", status: "RELEASED" });
    expect(stockRow("p1")).toMatchObject({ onHand: 5, reserved: 0 });
    const before = tableState();
    expect(data(await mutate("release", { orderId: "o1" }))).toEqual({ orderId: "o1", status: "RELEASED" });
    expect(tableState()).toEqual(before);
    const released = JSON.parse(t.database.db.select().from(schema.outbox).all().at(-1)!.envelope);
    expect(released.subject).toBe("inventory.reservation.released");
    expect(released.data.levels).toEqual([{ productId: "p1", onHand: 5, reserved: 0, available: 5, version: clockMs + 2 }]);
  });

  it("releasing a reservation never made answers NONE, and a reserve arriving after it is refused", async () => {
    await mutate("setStock", { productId: "p1", onHand: 5 });
    expect(data(await mutate("release", { orderId: "ghost" }))).toEqual({ orderId: "ghost", status: "NONE" });
    const before = tableState();
    expect(data(await mutate("release", { orderId: "ghost" }))).toEqual({ orderId: "ghost", status: "NONE" });
    expect(tableState()).toEqual(before);
    const late = await mutate("reserve", { orderId: "ghost", lines: [{ productId: "p1", quantity: 1 }] });
    expect(late.status).toBe(409);
    expect(late.body.error.message).toContain("ghost");
    expect(stockRow("p1")).toMatchObject({ reserved: 0 });
  });

  it("commits a reservation, lowering on hand and reserved; a repeat returns COMMITTED and changes nothing", async () => {
    await mutate("setStock", { productId: "p1", onHand: 5 });
    await mutate("reserve", { orderId: "o1", lines: [{ productId: "p1", quantity: 2 }] });
    expect(data(await mutate("commit", { orderId: "o1" }))).toEqual({ orderId: "o1", status: "COMMITTED" });
    expect(stockRow("p1")).toMatchObject({ onHand: 3, reserved: 0 });
    const committed = JSON.parse(t.database.db.select().from(schema.outbox).all().at(-1)!.envelope);
    expect(committed).toMatchObject({
      subject: "inventory.reservation.committed",
      data: { orderId: "o1", lines: [{ productId: "p1", quantity: 2 }], levels: [{ productId: "p1", onHand: 3, reserved: 0, available: 3 }] },
    });
    const before = tableState();
    expect(data(await mutate("commit", { orderId: "o1" }))).toEqual({ orderId: "o1", status: "COMMITTED" });
    expect(data(await mutate("reserve", { orderId: "o1", lines: [{ productId: "p1", quantity: 2 }] }))).toMatchObject({ status: "RESERVED" });
    expect(tableState()).toEqual(before);
    const release = await mutate("release", { orderId: "o1" });
    expect(release.status).toBe(409);
    expect(release.body.error.message).toBe("reservation for order o1 is committed; it cannot be released");
    expect(tableState()).toEqual(before);
  });

  it("raises a stock row's version on every change, not on a repeat or a set that changes nothing, and answers without it", async () => {
    const versionOf = () => stockRow("p1")?.version;
    await mutate("setStock", { productId: "p1", onHand: 5 });
    expect(versionOf()).toBe(clockMs);
    await mutate("setStock", { productId: "p1", onHand: 5 });
    expect(versionOf()).toBe(clockMs);
    await mutate("reserve", { orderId: "o1", lines: [{ productId: "p1", quantity: 2 }] });
    await mutate("reserve", { orderId: "o1", lines: [{ productId: "p1", quantity: 2 }] });
    expect(versionOf()).toBe(clockMs + 1);
    await mutate("commit", { orderId: "o1" });
    await mutate("reserve", { orderId: "o2", lines: [{ productId: "p1", quantity: 1 }] });
    await mutate("release", { orderId: "o2" });
    await mutate("release", { orderId: "o2" });
    expect(versionOf()).toBe(clockMs + 4);
    const events = t.database.db
      .select()
      .from(schema.outbox)
      .all()
      .map((row) => JSON.parse(row.envelope));
    expect(events.map((e) => e.data.levels[0].version - clockMs)).toEqual([0, 1, 2, 3, 4]);
    expect(data(await query("get", { productId: "p1" }))).toEqual({ productId: "p1", onHand: 3, reserved: 0, available: 3 });
  });

  it("refuses to commit a released reservation (CONFLICT) and an unknown one (NOT_FOUND)", async () => {
    await mutate("setStock", { productId: "p1", onHand: 5 });
    await mutate("reserve", { orderId: "o1", lines: [{ productId: "p1", quantity: 2 }] });
    await mutate("release", { orderId: "o1" });
    const before = tableState();
    const afterRelease = await mutate("commit", { orderId: "o1" });
    expect(afterRelease.status).toBe(409);
    expect(afterRelease.body.error.data.domainCode).toBe("CONFLICT");
    expect(afterRelease.body.error.message).toContain("o1");
    const unknown = await mutate("commit", { orderId: "nope" });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe("reservation for order nope not found");
    expect(tableState()).toEqual(before);
  });

  it("refuses to set on hand below what is reserved, naming the product", async () => {
    await mutate("setStock", { productId: "p1", onHand: 5 });
    await mutate("reserve", { orderId: "o1", lines: [{ productId: "p1", quantity: 4 }] });
    const before = tableState();
    const below = await mutate("setStock", { productId: "p1", onHand: 3 });
    expect(below.status).toBe(409);
    expect(below.body.error.data.domainCode).toBe("CONFLICT");
    expect(below.body.error.message).toContain("p1");
    expect(below.body.error.data.details).toEqual({ productId: "p1", onHand: 3, reserved: 4 });
    expect(tableState()).toEqual(before);
    expect(data(await mutate("setStock", { productId: "p1", onHand: 4 }))).toEqual({ productId: "p1", onHand: 4, reserved: 4, available: 0 });
  });

  it("lists reservations with their lines and status, all or one order's", async () => {
    await mutate("setStock", { productId: "p1", onHand: 5 });
    await mutate("reserve", { orderId: "o1", lines: [{ productId: "p1", quantity: 1 }] });
    await mutate("reserve", { orderId: "o2", lines: [{ productId: "p1", quantity: 9 }] });
    await mutate("reserve", { orderId: "o3", lines: [{ productId: "p1", quantity: 2 }] });
    await mutate("commit", { orderId: "o3" });
    const all = data(await query("reservations", {})).items;
    // Newest first (the same clock here: then by order id, descending), a page at a time.
    expect(all.map((r: any) => [r.orderId, r.status])).toEqual([
      ["o3", "COMMITTED"],
      ["o2", "REJECTED"],
      ["o1", "RESERVED"],
    ]);
    const first = data(await query("reservations", { limit: 2 }));
    expect(first.items.map((r: any) => r.orderId)).toEqual(["o3", "o2"]);
    const second = data(await query("reservations", { limit: 2, cursor: first.nextCursor }));
    expect([second.items.map((r: any) => [r.orderId, r.lines]), second.nextCursor]).toEqual([[["o1", [{ productId: "p1", quantity: 1 }]]], null]);
    const badLimit = await query("reservations", { limit: 101 });
    expect([badLimit.status, badLimit.body.error.data.fields.map((f: { path: string }) => f.path)]).toEqual([400, ["limit"]]);
    expect(data(await query("reservations", { orderId: "o3" })).items).toEqual([
      { orderId: "o3", status: "COMMITTED", lines: [{ productId: "p1", quantity: 2 }], createdAt: "2026-01-01T00:00:00.000Z", updatedAt: "2026-01-01T00:00:00.000Z" },
    ]);
  });

  it("answers bad input with a 400 naming the field and writes nothing", async () => {
    const badLine = await mutate("reserve", { orderId: "o1", lines: [{ productId: "p1", quantity: 0 }] });
    expect(badLine.status).toBe(400);
    expect(badLine.body.error.data.fields.map((f: { path: string }) => f.path)).toEqual(["lines.0.quantity"]);
    const noLines = await mutate("reserve", { orderId: "o1", lines: [] });
    expect(noLines.status).toBe(400);
    expect(noLines.body.error.message).toMatch(/lines/);
    const negative = await mutate("setStock", { productId: "p1", onHand: -1 });
    expect(negative.status).toBe(400);
    expect(negative.body.error.message).toMatch(/onHand/);
    const extra = await mutate("release", { orderId: "o1", force: true });
    expect(extra.status).toBe(400);
    expect(extra.body.error.message).toMatch(/force/);
    const empty = await query("getMany", { productIds: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toMatch(/productIds/);
    expect(tableState()).toEqual({ stock: [], reservations: [], lines: [], outbox: [] });
  });

  it("keeps CHECK constraints as the last line: the database itself refuses negative or oversold stock", async () => {
    await mutate("setStock", { productId: "p1", onHand: 2 });
    const oversell = () =>
      t.database.db
        .update(schema.stock)
        .set({ reserved: sql`${schema.stock.reserved} + 3` })
        .where(eq(schema.stock.productId, "p1"))
        .run();
    expect(oversell).toThrow(/CHECK constraint failed/);
    const negative = () => t.database.db.update(schema.stock).set({ onHand: -1, reserved: -1 }).where(eq(schema.stock.productId, "p1")).run();
    expect(negative).toThrow(/CHECK constraint failed/);
    expect(stockRow("p1")).toMatchObject({ onHand: 2, reserved: 0 });
  });
});

describe("stock versions across a restore of inventory", () => {
  let clock: Date;
  beforeEach(() => {
    clock = new Date(clockMs);
  });
  const t = useInProcessWorker("inventory", schema, (deps) => createInventoryWorker(deps), { now: () => clock });

  it("the first change after rows went back to a backup's versions still gets a version above every level published before", async () => {
    const versionOf = () => t.database.db.select({ version: schema.stock.version }).from(schema.stock).get()?.version;
    await t.mutate("setStock", { productId: "p1", onHand: 5 });
    const backedUp = versionOf()!;
    await t.mutate("reserve", { orderId: "o1", lines: [{ productId: "p1", quantity: 2 }] });
    await t.mutate("reserve", { orderId: "o2", lines: [{ productId: "p1", quantity: 2 }] });
    const lastPublished = versionOf()!;
    expect(lastPublished).toBe(backedUp + 2);
    // The restore: the row as the backup had it, taken before both reservations; time has moved on.
    t.database.db.update(schema.stock).set({ reserved: 0, version: backedUp }).run();
    clock = new Date(clockMs + 60_000);
    await t.mutate("setStock", { productId: "p1", onHand: 9 });
    expect(versionOf()).toBe(clockMs + 60_000);
    expect(versionOf()).toBeGreaterThan(lastPublished);
  });
});
