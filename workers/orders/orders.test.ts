import { beforeEach, describe, expect, it } from "vitest";
import { createServer } from "node:net";
import { createPeerClient } from "../../shared/rpc/peer-client";
import { useInProcessWorker } from "../../test/support/in-process";
import * as usersSchema from "../users/schema";
import { createUsersWorker } from "../users/worker";
import type { UsersRouter } from "../users/router";
import type { CatalogRouter } from "../catalog/router";
import type { InventoryRouter } from "../inventory/router";
import type { PaymentsRouter } from "../payments/router";
import * as schema from "./schema";
import { createOrdersWorker } from "./worker";

/** A port nothing listens on: calls to it fail the way calls to a stopped worker do. */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

// users answers in-process (its app behind the peer client's fetch); every other peer is down.
const now = () => new Date();
const users = useInProcessWorker("users", usersSchema, (deps) => createUsersWorker(deps), { now });
const t = useInProcessWorker(
  "orders",
  schema,
  async (deps) => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    const peer = { self: "orders", timeoutMs: 1000 };
    return createOrdersWorker({
      ...deps,
      peers: {
        users: createPeerClient<UsersRouter>({ ...peer, peer: "users", url: "http://users.local", fetch: (input, init) => users.worker.app.fetch(new Request(input, init)) }).client,
        catalog: createPeerClient<CatalogRouter>({ ...peer, peer: "catalog", url: down }).client,
        inventory: createPeerClient<InventoryRouter>({ ...peer, peer: "inventory", url: down }).client,
        payments: createPeerClient<PaymentsRouter>({ ...peer, peer: "payments", url: down }).client,
      },
      orderWaitMs: 1000,
      saga: { deadlineMs: 30_000, retryBaseMs: 100, retryMaxMs: 1000, attentionAfter: 3, sweepIntervalMs: 100 },
    });
  },
  { now },
);
let customerId: string;

beforeEach(async () => {
  customerId = users.data(await users.mutate("register", { email: "ann@example.com", name: "Ann" })).id;
});

const place = (body: unknown) => t.mutate("place", body);
const nothingWritten = () => {
  expect(t.database.db.select().from(schema.orders).all()).toHaveLength(0);
  expect(t.database.db.select().from(schema.sagas).all()).toHaveLength(0);
  expect(t.database.db.select().from(schema.outbox).all()).toHaveLength(0);
};

describe("orders worker (in-process, better-sqlite3) with its peers", () => {
  it("answers bad input with a 400 naming each bad field and writes nothing", async () => {
    const cases: Array<[unknown, string]> = [
      [{ customerId, items: [] }, "items"],
      [{ customerId, items: [{ productId: "p1", quantity: 0 }] }, "items.0.quantity"],
      [{ customerId, items: [{ productId: "p1", quantity: 1.5 }] }, "items.0.quantity"],
      [{ customerId, items: [{ productId: "p1", quantity: 1 }], coupon: "FREE" }, "coupon"],
      [{ items: [{ productId: "p1", quantity: 1 }] }, "customerId"],
    ];
    for (const [body, field] of cases) {
      const res = await place(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const error = res.body.error;
      expect(error.data.domainCode).toBe("BAD_INPUT");
      expect(error.message).toContain(field);
    }
    nothingWritten();
  });

  it("refuses an unknown customer with NOT_FOUND naming it, before asking for products", async () => {
    const res = await place({ customerId: "nobody", items: [{ productId: "p1", quantity: 1 }] });
    expect(res.status).toBe(404);
    const error = res.body.error;
    expect(error.message).toBe("customer nobody not found");
    expect(error.data.details).toEqual({ customerId: "nobody" });
    nothingWritten();
  });

  it("fails fast with PEER_UNAVAILABLE naming catalog when catalog is down, and writes nothing", async () => {
    const started = Date.now();
    const res = await place({ customerId, items: [{ productId: "p1", quantity: 1 }] });
    expect(res.status).toBe(503);
    const error = res.body.error;
    expect(error.data.domainCode).toBe("PEER_UNAVAILABLE");
    expect(error.data.details).toMatchObject({ peer: "catalog" });
    expect(error.message).toContain("catalog");
    expect(Date.now() - started).toBeLessThan(3000);
    nothingWritten();
  });

  it("answers 404 naming the id for an unknown order, and lists no sagas on a fresh worker", async () => {
    const res = await t.query("get", { id: "nope" });
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe("order nope not found");
    expect(t.data(await t.query("sagas", { status: "NEEDS_ATTENTION" }))).toEqual({ items: [], nextCursor: null });
  });

  it("is ready once started and reports its saga sweeper, and its copies (not consuming without a bus)", async () => {
    const res = await t.worker.app.request("/health/ready");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      worker: "orders",
      ready: true,
      sagasRunning: 0,
      sagasNeedingAttention: 0,
      copies: { consuming: false, lagMs: 0, position: "USERS:0,CATALOG:0" },
    });
  });
});
