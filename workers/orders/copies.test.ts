/**
 * Placing's validation against orders' copies of customers and products, on a real orders.db
 * (migrations applied), with users and catalog as plain objects recording each call: a copy hit
 * asks nobody, a miss asks only for the ids missing and writes the answer into the copy, an id
 * unknown everywhere is NOT_FOUND; and the copies' events, whose older changes never override newer ones.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TRPCClientError } from "@trpc/client";
import { asc } from "drizzle-orm";
import { openWorkerDatabase, type WorkerDatabase } from "../../shared/db/db";
import { applyOnce } from "../../shared/events/inbox";
import { productCreated, productUpdated } from "../catalog/events";
import { userRegistered } from "../users/events";
import { envelopeOf } from "../../test/support/envelope";
import { catalogConsumerName, catalogHandlers, usersConsumerName, usersHandlers } from "./consumers";
import { copyCustomer, copyProduct } from "./copies";
import { validateOrder } from "./service";
import * as schema from "./schema";
import type { OrdersPeers } from "./deps";

interface CatalogProduct {
  id: string;
  name: string;
  priceCents: number;
  updatedAt: string;
}

/** users and catalog as their clients answer; every call recorded. */
function fakePeers(users: string[], products: CatalogProduct[]) {
  const calls: string[] = [];
  const peers = {
    users: {
      get: {
        query: async ({ id }: { id: string }) => {
          calls.push(`users.get ${id}`);
          if (users.includes(id)) return { id, email: `${id}@example.com`, name: id, createdAt: "2026-01-01T00:00:00.000Z" };
          const message = `user ${id} not found`;
          throw new TRPCClientError(message, { result: { error: { message, code: -32004, data: { domainCode: "NOT_FOUND", code: "NOT_FOUND" } } } } as never);
        },
      },
    },
    catalog: {
      getMany: {
        query: async ({ ids }: { ids: string[] }) => {
          calls.push(`catalog.getMany ${ids.join(",")}`);
          return { products: products.filter((p) => ids.includes(p.id)), missing: ids.filter((id) => !products.some((p) => p.id === id)) };
        },
      },
    },
  } as unknown as OrdersPeers;
  return { peers, calls };
}

let dir: string;
let database: WorkerDatabase<typeof schema>;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "bunmesh-copies-"));
  database = await openWorkerDatabase({ worker: "orders", dataDir: dir, schema });
});
afterEach(() => {
  database.close();
  rmSync(dir, { recursive: true, force: true });
});

const at = (iso: string) => Date.parse(iso);
const t0 = "2026-01-01T00:00:00.000Z";
const t1 = "2026-01-01T00:01:00.000Z";
const productRows = () => database.db.select().from(schema.productCopies).orderBy(asc(schema.productCopies.id)).all();
const customerRows = () => database.db.select().from(schema.customerCopies).all();

describe("validating an order against orders' copies", () => {
  it("takes the lines from the copies and asks nobody when the customer and every product are copied", async () => {
    const db = database.db;
    copyCustomer(db, { id: "c1", sequence: 1 });
    copyProduct(db, { id: "p1", name: "Mug", priceCents: 1250, changedAt: at(t0), sequence: 1 });
    copyProduct(db, { id: "p2", name: "Lamp", priceCents: 4000, changedAt: at(t0), sequence: 2 });
    const fake = fakePeers([], []);

    const lines = await validateOrder({ db, peers: fake.peers }, "c1", [
      { productId: "p1", quantity: 2 },
      { productId: "p2", quantity: 1 },
    ]);

    expect(lines).toEqual([
      { productId: "p1", name: "Mug", unitPriceCents: 1250, quantity: 2 },
      { productId: "p2", name: "Lamp", unitPriceCents: 4000, quantity: 1 },
    ]);
    expect(fake.calls).toEqual([]);
  });

  it("asks catalog once, for the products not copied only, and keeps its answer in the copy", async () => {
    const db = database.db;
    copyCustomer(db, { id: "c1", sequence: 1 });
    copyProduct(db, { id: "p1", name: "Mug", priceCents: 1250, changedAt: at(t0), sequence: 1 });
    const fake = fakePeers([], [{ id: "p2", name: "Lamp", priceCents: 4000, updatedAt: t1 }]);

    const lines = await validateOrder({ db, peers: fake.peers }, "c1", [
      { productId: "p1", quantity: 1 },
      { productId: "p2", quantity: 3 },
    ]);

    expect(fake.calls).toEqual(["catalog.getMany p2"]);
    expect(lines.map((l) => [l.productId, l.name, l.unitPriceCents, l.quantity])).toEqual([
      ["p1", "Mug", 1250, 1],
      ["p2", "Lamp", 4000, 3],
    ]);
    expect(productRows().find((row) => row.id === "p2")).toEqual({ id: "p2", name: "Lamp", priceCents: 4000, changedAt: at(t1), sequence: null });
    // The next order for it asks nobody.
    await validateOrder({ db, peers: fake.peers }, "c1", [{ productId: "p2", quantity: 1 }]);
    expect(fake.calls).toHaveLength(1);
  });

  it("asks users for a customer not copied yet (registered a moment ago) and copies it", async () => {
    const db = database.db;
    copyProduct(db, { id: "p1", name: "Mug", priceCents: 1250, changedAt: at(t0), sequence: 1 });
    const fake = fakePeers(["c-new"], []);

    await validateOrder({ db, peers: fake.peers }, "c-new", [{ productId: "p1", quantity: 1 }]);

    expect(fake.calls).toEqual(["users.get c-new"]);
    expect(customerRows()).toEqual([{ id: "c-new", sequence: null }]);
  });

  it("refuses a customer unknown to the copy and to users with NOT_FOUND naming it", async () => {
    const db = database.db;
    copyProduct(db, { id: "p1", name: "Mug", priceCents: 1250, changedAt: at(t0), sequence: 1 });
    const fake = fakePeers([], []);

    await expect(validateOrder({ db, peers: fake.peers }, "ghost", [{ productId: "p1", quantity: 1 }])).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "customer ghost not found",
      details: { customerId: "ghost" },
    });
    expect(customerRows()).toEqual([]);
  });

  it("refuses products unknown to the copy and to catalog with NOT_FOUND naming them, having asked for those only", async () => {
    const db = database.db;
    copyCustomer(db, { id: "c1", sequence: 1 });
    copyProduct(db, { id: "p1", name: "Mug", priceCents: 1250, changedAt: at(t0), sequence: 1 });
    const fake = fakePeers([], []);

    await expect(
      validateOrder({ db, peers: fake.peers }, "c1", [
        { productId: "p1", quantity: 1 },
        { productId: "missing-1", quantity: 1 },
        { productId: "missing-2", quantity: 1 },
      ]),
    ).rejects.toMatchObject({ code: "NOT_FOUND", message: "products missing-1, missing-2 not found", details: { productIds: ["missing-1", "missing-2"] } });
    expect(fake.calls).toEqual(["catalog.getMany missing-1,missing-2"]);
    expect(productRows().map((row) => row.id)).toEqual(["p1"]);
  });
});

describe("the copies' consumers", () => {
  const delivery = (stream: string, streamSequence: number) => ({ stream, streamSequence });
  const apply = (consumer: string, handlers: ReturnType<typeof catalogHandlers>, event: ReturnType<typeof envelopeOf>, sequence: number) =>
    applyOnce(database.db, schema.inbox, consumer, event, handlers[event.subject]!, delivery(consumer === usersConsumerName ? "USERS" : "CATALOG", sequence));

  it("copies a registered customer, once", () => {
    const registered = envelopeOf(userRegistered, { userId: "c1", name: "Ann", registeredAt: t0 }, new Date(t0));
    expect(apply(usersConsumerName, usersHandlers(), registered, 7)).toBe("handled");
    expect(apply(usersConsumerName, usersHandlers(), registered, 7)).toBe("duplicate");
    expect(customerRows()).toEqual([{ id: "c1", sequence: 7 }]);
  });

  it("follows a product's changes, and an older change (a late event, a late peer answer) never brings the old price back", () => {
    const handlers = catalogHandlers();
    const created = envelopeOf(productCreated, { productId: "p1", sku: "S1", name: "Mug", priceCents: 1000 }, new Date(t0));
    const updated = envelopeOf(productUpdated, { productId: "p1", name: "Big Mug", priceCents: 1500, previousPriceCents: 1000 }, new Date(t1));
    apply(catalogConsumerName, handlers, updated, 2);
    apply(catalogConsumerName, handlers, created, 1);
    expect(productRows()).toEqual([{ id: "p1", name: "Big Mug", priceCents: 1500, changedAt: at(t1), sequence: 2 }]);

    copyProduct(database.db, { id: "p1", name: "Mug", priceCents: 1000, changedAt: at(t0), sequence: null });
    expect(productRows()[0]).toMatchObject({ name: "Big Mug", priceCents: 1500 });

    const later = envelopeOf(productUpdated, { productId: "p1", name: "Big Mug", priceCents: 1800, previousPriceCents: 1500 }, new Date("2026-01-01T00:02:00.000Z"));
    apply(catalogConsumerName, handlers, later, 3);
    expect(productRows()[0]).toMatchObject({ priceCents: 1800, sequence: 3 });
  });

  it("lets the event of the change a peer answered replace that answer (same time), and a newer event override it", () => {
    const handlers = catalogHandlers();
    copyProduct(database.db, { id: "p1", name: "Mug", priceCents: 1000, changedAt: at(t0), sequence: null });
    apply(catalogConsumerName, handlers, envelopeOf(productCreated, { productId: "p1", sku: "S1", name: "Mug", priceCents: 1000 }, new Date(t0)), 1);
    expect(productRows()[0]).toEqual({ id: "p1", name: "Mug", priceCents: 1000, changedAt: at(t0), sequence: 1 });
    apply(catalogConsumerName, handlers, envelopeOf(productUpdated, { productId: "p1", name: "Mug", priceCents: 900, previousPriceCents: 1000 }, new Date(t1)), 2);
    expect(productRows()[0]).toMatchObject({ priceCents: 900, sequence: 2 });
  });
});
