import { beforeEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { useInProcessWorker } from "../../test/support/in-process";
import { parseEvent } from "../../shared/events/envelope";
import { newId } from "../../shared/core/ids";
import { reservationReleased, reservationReserved, stockAdjusted, type StockLevel } from "../inventory/events";
import { stockHandlers } from "./consumers";
import * as schema from "./schema";
import { toFtsQuery } from "./search";
import { createCatalogWorker } from "./worker";

describe("catalog worker (in-process, better-sqlite3)", () => {
  let clock: Date;
  // One test moves the clock on; each test starts on the same day, set before the worker is built.
  beforeEach(() => {
    clock = new Date("2026-01-01T00:00:00Z");
  });
  const t = useInProcessWorker("catalog", schema, (deps) => createCatalogWorker(deps), { now: () => clock });
  const { mutate, query, data } = t;
  const create = async (product: Record<string, unknown>) => data(await mutate("create", product));
  const search = async (q: string, limit?: number) => (data(await query("search", { q, limit })) as { items: Array<{ sku: string }> }).items;
  const outboxEnvelopes = () =>
    t.database.db
      .select()
      .from(schema.outbox)
      .all()
      .map((row) => JSON.parse(row.envelope));

  it("opens its own file with WAL, synchronous NORMAL, foreign keys and a busy timeout", () => {
    expect(t.database.file).toBe(join(t.dir, "catalog.db"));
    expect(t.database.pragma("journal_mode")).toBe("wal");
    expect(t.database.pragma("synchronous")).toBe(1); // NORMAL
    expect(t.database.pragma("foreign_keys")).toBe(1);
    expect(t.database.pragma("busy_timeout")).toBe(5000);
  });

  it("creates a product and reads it back, with inStock null until inventory speaks", async () => {
    const product = await create({ sku: "MUG-1", name: "Blue mug", priceCents: 1299, attributes: { color: "blue", volumeMl: 350 } });
    expect(product).toEqual({
      id: expect.any(String),
      sku: "MUG-1",
      name: "Blue mug",
      description: null,
      priceCents: 1299,
      attributes: { color: "blue", volumeMl: 350 },
      createdAt: "2026-01-01T00:00:00.000Z",
      updatedAt: "2026-01-01T00:00:00.000Z",
      inStock: null,
    });
    expect(data(await query("get", { id: product.id }))).toEqual(product);
  });

  it("answers 404 naming the id for an unknown product", async () => {
    const res = await query("get", { id: "nope" });
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe("product nope not found");
  });

  it("gets a batch in one call, naming the ids it does not know", async () => {
    const a = await create({ sku: "A", name: "Alpha", priceCents: 100 });
    const b = await create({ sku: "B", name: "Beta", priceCents: 200 });
    const batch = data(await query("getMany", { ids: [b.id, "missing-1", a.id, "missing-2", b.id] }));
    expect(batch.products.map((p: { sku: string }) => p.sku)).toEqual(["B", "A"]);
    expect(batch.missing).toEqual(["missing-1", "missing-2"]);
    expect((await query("getMany", { ids: [] })).status).toBe(400);
  });

  it("refuses a second product with the same sku with a 409 naming the sku", async () => {
    await create({ sku: "DUP-1", name: "First", priceCents: 100 });
    const again = await mutate("create", { sku: "DUP-1", name: "Second", priceCents: 200 });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain("DUP-1");
    expect(again.body.error.data.domainCode).toBe("CONFLICT");
    expect(t.database.db.select().from(schema.products).all()).toHaveLength(1);
    expect(outboxEnvelopes()).toHaveLength(1);
  });

  describe("with an Idempotency-Key", () => {
    const written = () => ({
      products: t.database.db.select().from(schema.products).all().length,
      outbox: outboxEnvelopes().length,
      keys: t.database.db.select().from(schema.idempotencyKeys).all().length,
    });

    it("answers repeats of a keyed creation, some at once, with the first product and writes one product and one event", async () => {
      const request = { sku: "KEY-1", name: "Keyed lamp", priceCents: 900, attributes: { colour: "red", watts: 40 }, idempotencyKey: "create-1" };
      const first = await create(request);
      const repeats = await Promise.all([1, 2, 3].map(() => mutate("create", request)));
      for (const repeat of repeats) expect(data(repeat)).toEqual(first);
      // The same attributes in another key order, and a left-out description, are the same request.
      const reordered = { ...request, attributes: { watts: 40, colour: "red" }, description: null };
      expect(await create(reordered)).toEqual(first);
      expect(written()).toEqual({ products: 1, outbox: 1, keys: 1 });
    });

    it("answers a repeat after a change with the product as it is now", async () => {
      const request = { sku: "KEY-2", name: "Keyed mug", priceCents: 500, idempotencyKey: "create-2" };
      const first = await create(request);
      const changed = data(await mutate("update", { id: first.id, priceCents: 650 }));
      expect(await create(request)).toEqual(changed);
    });

    it("refuses the key sent with a different product with a 409 naming the key, and writes nothing", async () => {
      await create({ sku: "KEY-3", name: "Keyed bowl", priceCents: 700, idempotencyKey: "create-3" });
      for (const other of [
        { sku: "KEY-4", name: "Keyed bowl", priceCents: 700 },
        { sku: "KEY-3", name: "Keyed bowl", priceCents: 701 },
      ]) {
        const refused = await mutate("create", { ...other, idempotencyKey: "create-3" });
        expect(refused.status).toBe(409);
        expect(refused.body.error.data.domainCode).toBe("CONFLICT");
        expect(refused.body.error.message).toBe("Idempotency-Key create-3 was already used for a different product; a new request needs a new key");
      }
      expect(written()).toEqual({ products: 1, outbox: 1, keys: 1 });
    });
  });

  it.each([
    ["a fractional price", { sku: "X", name: "X", priceCents: 12.5 }, "priceCents"],
    ["a negative price", { sku: "X", name: "X", priceCents: -1 }, "priceCents"],
    ["an unknown field", { sku: "X", name: "X", priceCents: 1, colour: "red" }, "colour"],
    ["an empty sku", { sku: "", name: "X", priceCents: 1 }, "sku"],
    ["a sku over 64 characters", { sku: "S".repeat(65), name: "X", priceCents: 1 }, "sku"],
    ["attributes that are not an object", { sku: "X", name: "X", priceCents: 1, attributes: ["red"] }, "attributes"],
    // zod's own z.json() recursed and ran out of stack on this (a 500 at the gateway): walked with a stack now.
    ["an attribute nested 1,000 levels deep", { sku: "X", name: "X", priceCents: 1, attributes: { a: JSON.parse(`${"[".repeat(1_000)}${"]".repeat(1_000)}`) } }, "attributes"],
    ["an attribute nested 17 levels deep", { sku: "X", name: "X", priceCents: 1, attributes: { a: JSON.parse(`${"[".repeat(17)}${"]".repeat(17)}`) } }, "attributes"],
  ])("answers %s with a 400 naming the field and writes nothing", async (_case, body, field) => {
    const res = await mutate("create", body);
    expect(res.status).toBe(400);
    const error = res.body.error;
    expect(error.message).toContain(field);
    expect(error.data.domainCode).toBe("BAD_INPUT");
    expect(t.database.db.select().from(schema.products).all()).toHaveLength(0);
    expect(outboxEnvelopes()).toHaveLength(0);
  });

  it("answers a body that is not JSON with a 400 and writes nothing", async () => {
    const res = await t.worker.app.request("/trpc/create", { method: "POST", headers: { "content-type": "application/json" }, body: "{oops" });
    expect(res.status).toBe(400);
    expect(t.database.db.select().from(schema.products).all()).toHaveLength(0);
  });

  it("publishes product.created in the same transaction as the product", async () => {
    const product = data(await mutate("create", { sku: "EV-1", name: "Evented", priceCents: 500 }, { "x-correlation-id": "corr-cat-1" }));
    const [envelope, ...others] = outboxEnvelopes();
    expect(others).toHaveLength(0);
    expect(envelope).toMatchObject({
      subject: "catalog.product.created",
      correlationId: "corr-cat-1",
      data: { productId: product.id, sku: "EV-1", name: "Evented", priceCents: 500 },
    });
  });

  it("updates the price and publishes product.updated with the previous price", async () => {
    const product = await create({ sku: "UP-1", name: "Lamp", priceCents: 4000, description: "Desk lamp" });
    clock = new Date("2026-01-02T00:00:00Z");
    const updated = data(await mutate("update", { id: product.id, priceCents: 3500 }));
    expect(updated).toMatchObject({ priceCents: 3500, name: "Lamp", description: "Desk lamp", updatedAt: "2026-01-02T00:00:00.000Z", createdAt: product.createdAt });
    expect(data(await query("get", { id: product.id }))).toEqual(updated);
    const events = outboxEnvelopes();
    expect(events.map((e) => e.subject)).toEqual(["catalog.product.created", "catalog.product.updated"]);
    expect(events[1].data).toEqual({ productId: product.id, name: "Lamp", priceCents: 3500, previousPriceCents: 4000 });
  });

  it("clears the description with null, replaces attributes, and writes nothing for an update that changes nothing", async () => {
    const product = await create({ sku: "UP-2", name: "Chair", priceCents: 9000, description: "Oak", attributes: { wood: "oak" } });
    const updated = data(await mutate("update", { id: product.id, description: null, attributes: { wood: "pine" } }));
    expect(updated).toMatchObject({ description: null, attributes: { wood: "pine" } });
    const same = data(await mutate("update", { id: product.id, name: "Chair", priceCents: 9000 }));
    expect(same).toEqual(updated);
    expect(outboxEnvelopes()).toHaveLength(2);
  });

  it("refuses an update with no field, a bad price or an unknown product", async () => {
    const product = await create({ sku: "UP-3", name: "Desk", priceCents: 20000 });
    const empty = await mutate("update", { id: product.id });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toContain("at least one of");
    const bad = await mutate("update", { id: product.id, priceCents: 12.5 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("priceCents");
    const sku = await mutate("update", { id: product.id, sku: "NEW" });
    expect(sku.status).toBe(400);
    expect(sku.body.error.message).toContain("sku");
    const unknown = await mutate("update", { id: "nope", priceCents: 1 });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe("product nope not found");
    expect(data(await query("get", { id: product.id }))).toEqual(product);
    expect(outboxEnvelopes()).toHaveLength(1);
  });

  describe("search", () => {
    beforeEach(async () => {
      // Created first, so only bm25 (not id order) can put the name match above it.
      await create({ sku: "SOCK-RED", name: "Wool socks", priceCents: 1500, description: "Goes with red running shoes", attributes: { color: "red" } });
      await create({ sku: "SHOE-RED-42", name: "Red running shoes", priceCents: 8900, description: "Light shoes for road running", attributes: { color: "red", size: 44 } });
      await create({ sku: "SHOE-BLU-40", name: "Trail shoes", priceCents: 9900, description: "Grippy soles", attributes: { color: "blue", material: { upper: "mesh" } } });
      await create({ sku: "CAFE-1", name: "Café crème mug", priceCents: 1200 });
    });

    it("finds products by name, description and sku, every word required", async () => {
      expect((await search("trail")).map((p) => p.sku)).toEqual(["SHOE-BLU-40"]);
      expect((await search("grippy soles")).map((p) => p.sku)).toEqual(["SHOE-BLU-40"]);
      expect((await search("SHOE-BLU-40")).map((p) => p.sku)).toEqual(["SHOE-BLU-40"]);
      expect((await search("wool trail")).map((p) => p.sku)).toEqual([]);
    });

    it("finds products by attribute values, nested ones included, but not by attribute keys", async () => {
      expect((await search("blue")).map((p) => p.sku)).toEqual(["SHOE-BLU-40"]);
      expect((await search("mesh")).map((p) => p.sku)).toEqual(["SHOE-BLU-40"]);
      expect((await search("44")).map((p) => p.sku)).toEqual(["SHOE-RED-42"]);
      expect(await search("material")).toEqual([]);
    });

    it("ranks a name match above a description match (bm25)", async () => {
      expect((await search("running shoes")).map((p) => p.sku)).toEqual(["SHOE-RED-42", "SOCK-RED"]);
    });

    it("matches the last word as a prefix, and folds case and accents", async () => {
      expect((await search("wool so")).map((p) => p.sku)).toEqual(["SOCK-RED"]);
      expect((await search("TRAI")).map((p) => p.sku)).toEqual(["SHOE-BLU-40"]);
      expect((await search("cafe creme")).map((p) => p.sku)).toEqual(["CAFE-1"]);
    });

    it("serves a one-letter last word from the index's one-letter prefixes, never by walking the vocabulary", async () => {
      expect((await search("wool s")).map((p) => p.sku)).toEqual(["SOCK-RED"]);
      expect((await search("t")).map((p) => p.sku)).toEqual(["SHOE-BLU-40"]);
      const plan = t.database.db.all<{ detail: string }>(sql`explain query plan select rowid from products_fts where products_fts match '"t"*'`).map((step) => step.detail);
      expect(plan.join("; ")).toMatch(/VIRTUAL TABLE INDEX/);
      const prefixes = t.database.db.all<{ sql: string }>(sql`select sql from sqlite_master where name = 'products_fts'`)[0]!.sql;
      expect(prefixes).toMatch(/prefix = '1 2 3'/);
    });

    it("treats hostile input as plain words, never as FTS5 syntax", async () => {
      for (const q of ['"', "AND (", 'red" OR "', "NEAR(red shoes)", "color:red", "*", "-red", "red AND", "^trail", "name : trail"]) {
        const res = await query("search", { q });
        expect(res.status, q).toBe(200);
      }
      expect(await search('"')).toEqual([]);
      expect((await search("NEAR(trail shoes)")).map((p) => p.sku)).toEqual([]); // "near" is just a word here
      expect((await search("name : trail")).map((p) => p.sku)).toEqual([]); // no column filter: "name" must match too
      expect((await search("(trail)")).map((p) => p.sku)).toEqual(["SHOE-BLU-40"]);
      expect(toFtsQuery('red" OR (sho')).toBe('"red" "OR" "sho"*');
    });

    it("keeps the index in step with updates and honours the limit", async () => {
      const [trail] = (data(await query("search", { q: "trail" })) as { items: Array<{ id: string }> }).items;
      data(await mutate("update", { id: trail!.id, name: "Mountain boots", attributes: { color: "green" } }));
      expect(await search("trail")).toEqual([]);
      expect(await search("blue")).toEqual([]);
      expect((await search("mountain green")).map((p) => p.sku)).toEqual(["SHOE-BLU-40"]);
      expect(await search("red", 2)).toHaveLength(2);
      expect((await query("search", { q: "red", limit: 101 })).status).toBe(400);
      expect((await query("search", { q: "" })).status).toBe(400);
    });

    it("pages the matches best first by (rank, id): the pages together are the one-page answer, and a cursor it did not give is a 400", async () => {
      const whole = (await search("red", 100)).map((p) => p.sku);
      expect(whole).toHaveLength(2);
      const first = data(await query("search", { q: "red", limit: 1 })) as { items: Array<{ sku: string }>; nextCursor: string };
      const second = data(await query("search", { q: "red", limit: 1, cursor: first.nextCursor })) as { items: Array<{ sku: string }>; nextCursor: string | null };
      expect([...first.items, ...second.items].map((p) => p.sku)).toEqual(whole);
      expect(second.nextCursor).toBeNull();
      expect((await query("search", { q: "red", cursor: `${first.nextCursor}x` })).status).toBe(400);
      const otherList = Buffer.from(JSON.stringify(["p1"])).toString("base64url");
      expect((await query("search", { q: "red", cursor: otherList })).status).toBe(400);
      expect((await search("s", 1)).length).toBe(1);
    });
  });

  it("keeps the search index right for writes that bypass the service (triggers on products)", async () => {
    t.database.db
      .insert(schema.products)
      .values({
        id: "raw-1",
        sku: "RAW-1",
        name: "Copper kettle",
        priceCents: 4500,
        attributes: { finish: "brushed" },
        createdAt: "2026-01-01T00:00:00.000Z",
        updatedAt: "2026-01-01T00:00:00.000Z",
      })
      .run();
    expect((await search("brushed copper")).map((p) => p.sku)).toEqual(["RAW-1"]);
    t.database.db.delete(schema.products).run();
    expect(await search("kettle")).toEqual([]);
  });

  describe("inStock from inventory's events", () => {
    let streamSequence = 0;
    /** Hands one inventory event to catalog's handler as the consumer does: parsed, in one transaction. */
    const deliver = (definition: typeof stockAdjusted | typeof reservationReserved | typeof reservationReleased, level: StockLevel) => {
      const data =
        definition === stockAdjusted
          ? { productId: level.productId, previousOnHand: 0, levels: [level] }
          : { orderId: newId(), lines: [{ productId: level.productId, quantity: 1 }], levels: [level] };
      const envelope = { id: newId(), type: definition.subject, subject: definition.subject, occurredAt: clock.toISOString(), correlationId: "corr-stock", causationId: null, data };
      const handler = stockHandlers[definition.subject]!;
      t.database.db.transaction((tx) => handler.handle(tx, parseEvent(definition, envelope), { stream: "INVENTORY", streamSequence: ++streamSequence }));
    };
    const level = (productId: string, available: number, version?: number): StockLevel => ({
      productId,
      onHand: 5,
      reserved: 5 - available,
      available,
      ...(version === undefined ? {} : { version }),
    });
    const inStockOf = async (id: string) => data(await query("get", { id })).inStock;

    it("keeps the newer level when an older one arrives after it (version 5, then 4)", async () => {
      const product = await create({ sku: "STOCK-1", name: "Versioned lamp", priceCents: 100 });
      deliver(reservationReserved, level(product.id, 0, 5));
      deliver(reservationReleased, level(product.id, 2, 4));
      expect(await inStockOf(product.id)).toBe(false);
      // The same version again (a republish) changes nothing either; a newer one applies.
      deliver(reservationReleased, level(product.id, 2, 5));
      expect(await inStockOf(product.id)).toBe(false);
      deliver(reservationReleased, level(product.id, 2, 6));
      expect(await inStockOf(product.id)).toBe(true);
      expect(t.database.db.select({ stockVersion: schema.products.stockVersion }).from(schema.products).all()).toEqual([{ stockVersion: 6 }]);
    });

    it("applies levels without a version, as published before versions existed, as they come", async () => {
      const product = await create({ sku: "STOCK-2", name: "Unversioned lamp", priceCents: 100 });
      deliver(stockAdjusted, level(product.id, 3));
      expect(await inStockOf(product.id)).toBe(true);
      deliver(reservationReserved, level(product.id, 0));
      expect(await inStockOf(product.id)).toBe(false);
      // A versioned level after them applies, and orders the ones after it.
      deliver(stockAdjusted, level(product.id, 1, 1));
      expect(await inStockOf(product.id)).toBe(true);
    });
  });

  it("lists products newest first page by page, and refuses a cursor it did not give naming cursor", async () => {
    for (const n of [1, 2, 3]) await create({ sku: `L-${n}`, name: `Item ${n}`, priceCents: n * 100 });
    const first = data(await query("list", { limit: 2 }));
    expect(first.items.map((p: { sku: string }) => p.sku)).toEqual(["L-3", "L-2"]);
    const second = data(await query("list", { limit: 2, cursor: first.nextCursor }));
    expect(second.items.map((p: { sku: string }) => p.sku)).toEqual(["L-1"]);
    expect(second.nextCursor).toBeNull();
    expect(data(await query("list", {})).items).toHaveLength(3);
    expect(JSON.stringify(await query("list", { cursor: `${first.nextCursor}x` }))).toContain("cursor");
  });
});
