import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openWorkerDatabase, type WorkerDatabase } from "../../shared/db";
import { createLogger } from "../../shared/logger";
import { createPeerClient } from "../../shared/peer-client";
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

describe("orders worker (in-process, better-sqlite3) with its peers", () => {
  let dir: string;
  let database: WorkerDatabase<typeof schema>;
  let usersDatabase: WorkerDatabase<typeof import("../users/schema")>;
  let worker: ReturnType<typeof createOrdersWorker>;
  let customerId: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "bunmesh-orders-"));
    database = await openWorkerDatabase({ worker: "orders", dataDir: dir, schema });
    usersDatabase = await openWorkerDatabase({ worker: "users", dataDir: dir, schema: await import("../users/schema") });
    const logger = createLogger({ worker: "orders", level: "silent" });
    // users answers in-process (its app behind the peer client's fetch); every other peer is down.
    const users = createUsersWorker({ db: usersDatabase.db, logger, now: () => new Date() });
    const down = `http://127.0.0.1:${await closedPort()}`;
    const peer = { self: "orders", timeoutMs: 1000 };
    worker = createOrdersWorker({
      db: database.db,
      logger,
      now: () => new Date(),
      peers: {
        users: createPeerClient<UsersRouter>({ ...peer, peer: "users", url: "http://users.local", fetch: (input, init) => users.app.fetch(new Request(input, init)) }).client,
        catalog: createPeerClient<CatalogRouter>({ ...peer, peer: "catalog", url: down }).client,
        inventory: createPeerClient<InventoryRouter>({ ...peer, peer: "inventory", url: down }).client,
        payments: createPeerClient<PaymentsRouter>({ ...peer, peer: "payments", url: down }).client,
      },
      orderWaitMs: 1000,
      saga: { deadlineMs: 30_000, retryBaseMs: 100, retryMaxMs: 1000, attentionAfter: 3, sweepIntervalMs: 100 },
    });
    await worker.start();
    const registered = await users.app.request("/trpc/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "ann@example.com", name: "Ann" }),
    });
    customerId = (await registered.json()).result.data.id;
  });
  afterEach(async () => {
    await worker.stop();
    database.close();
    usersDatabase.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const place = (body: unknown) =>
    worker.app.request("/trpc/place", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const nothingWritten = () => {
    expect(database.db.select().from(schema.orders).all()).toHaveLength(0);
    expect(database.db.select().from(schema.sagas).all()).toHaveLength(0);
    expect(database.db.select().from(schema.outbox).all()).toHaveLength(0);
  };

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
      const error = (await res.json()).error;
      expect(error.data.domainCode).toBe("BAD_INPUT");
      expect(error.message).toContain(field);
    }
    nothingWritten();
  });

  it("refuses an unknown customer with NOT_FOUND naming it, before asking for products", async () => {
    const res = await place({ customerId: "nobody", items: [{ productId: "p1", quantity: 1 }] });
    expect(res.status).toBe(404);
    const error = (await res.json()).error;
    expect(error.message).toBe("customer nobody not found");
    expect(error.data.details).toEqual({ customerId: "nobody" });
    nothingWritten();
  });

  it("fails fast with PEER_UNAVAILABLE naming catalog when catalog is down, and writes nothing", async () => {
    const started = Date.now();
    const res = await place({ customerId, items: [{ productId: "p1", quantity: 1 }] });
    expect(res.status).toBe(503);
    const error = (await res.json()).error;
    expect(error.data.domainCode).toBe("PEER_UNAVAILABLE");
    expect(error.data.details).toMatchObject({ peer: "catalog" });
    expect(error.message).toContain("catalog");
    expect(Date.now() - started).toBeLessThan(3000);
    nothingWritten();
  });

  it("answers 404 naming the id for an unknown order, and lists no sagas on a fresh worker", async () => {
    const res = await worker.app.request(`/trpc/get?input=${encodeURIComponent(JSON.stringify({ id: "nope" }))}`);
    expect(res.status).toBe(404);
    expect((await res.json()).error.message).toBe("order nope not found");
    const sagas = await worker.app.request(`/trpc/sagas?input=${encodeURIComponent(JSON.stringify({ status: "NEEDS_ATTENTION" }))}`);
    expect((await sagas.json()).result.data).toEqual([]);
  });

  it("is ready once started and reports its saga sweeper", async () => {
    const res = await worker.app.request("/health/ready");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ worker: "orders", ready: true, sagasRunning: 0, sagasNeedingAttention: 0 });
  });
});
