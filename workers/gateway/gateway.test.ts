import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DomainError, domainErrorCodes } from "../../shared/core/errors";
import { createLogger } from "../../shared/core/logger";
import { createPeerClient } from "../../shared/rpc/peer-client";
import type { UsersRouter } from "../users/router";
import type { CatalogRouter } from "../catalog/router";
import type { InventoryRouter } from "../inventory/router";
import type { PaymentsRouter } from "../payments/router";
import type { OrdersRouter } from "../orders/router";
import type { ReportingRouter } from "../reporting/router";
import { createGatewayWorker } from "./worker";
import { encodeCursor } from "../../shared/db/paging";

/**
 * The gateway in-process against fake peers: a fetch that answers tRPC calls from handlers,
 * records every call, and fails like a down peer for the peers marked down.
 */
type Handler = (input: unknown) => unknown;

function createFakeMesh() {
  const handlers = new Map<string, Handler>();
  const calls: { peer: string; path: string; input: unknown; headers: Headers }[] = [];
  const down = new Set<string>();
  const answer = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const peer = url.hostname.replace(/\.test$/, "");
    if (down.has(peer)) throw new TypeError("fetch failed");
    if (url.pathname === "/health/ready") return Response.json({ worker: peer, ready: true });
    const path = url.pathname.replace(/^\/trpc\//, "");
    const raw = init?.method === "POST" ? String(init.body) : url.searchParams.get("input");
    const callInput: unknown = raw ? JSON.parse(raw) : undefined;
    calls.push({ peer, path, input: callInput, headers: new Headers(init?.headers) });
    const handler = handlers.get(`${peer}.${path}`);
    try {
      if (!handler) throw new DomainError("INTERNAL", `no fake for ${peer}.${path}`);
      return Response.json({ result: { data: await handler(callInput) } });
    } catch (error) {
      const e = error instanceof DomainError ? error : new DomainError("INTERNAL", String(error));
      const { trpc, http } = domainErrorCodes[e.code];
      return Response.json({ error: { message: e.message, code: -32000, data: { code: trpc, httpStatus: http, domainCode: e.code, details: e.details ?? null } } }, { status: http });
    }
  };
  const fetch = Object.assign(answer, { preconnect: globalThis.fetch.preconnect });
  return { handlers, calls, down, fetch };
}

const product = {
  id: "p1",
  sku: "SKU-1",
  name: "Lamp",
  description: null,
  priceCents: 1999,
  attributes: {},
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
  inStock: null,
};
const customer = { id: "c1", email: "c1@x.io", name: "Cee", createdAt: "2026-01-01T00:00:00.000Z" };
const order = (status: "PENDING" | "CONFIRMED") => ({
  id: "o1",
  customerId: "c1",
  status,
  lines: [{ productId: "p1", name: "Lamp", unitPriceCents: 1999, quantity: 2 }],
  totalCents: 3998,
  rejectionReason: null,
  correlationId: "corr",
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
});
const salesReport = {
  totals: { orders: 1, units: 2, revenueCents: 3998 },
  products: { items: [{ productId: "p1", name: "Lamp", units: 2, revenueCents: 3998 }], nextCursor: null },
  asOf: "2026-01-01T00:00:01.000Z",
};
const customerReport = (customerId: string) => ({
  customerId,
  orders: 1,
  spentCents: 3998,
  firstOrderAt: "2026-01-01T00:00:01.000Z",
  lastOrderAt: "2026-01-01T00:00:01.000Z",
  cancelledOrders: 0,
  refundedCents: 0,
  asOf: "2026-01-01T00:00:01.000Z",
});

const adminApiKey = "in-process-admin-key-0123456789";

describe("gateway (in-process, fake peers)", () => {
  let mesh: ReturnType<typeof createFakeMesh>;
  let gateway: ReturnType<typeof createGatewayWorker>;
  let logLines: { level: string; msg: string; correlationId?: string }[];

  beforeEach(async () => {
    mesh = createFakeMesh();
    logLines = [];
    const peer = (name: string) => ({ self: "gateway", peer: name, url: `http://${name}.test`, maxAttempts: 1, fetch: mesh.fetch });
    gateway = createGatewayWorker({
      logger: createLogger({ worker: "gateway", level: "error", destination: { write: (line: string) => void logLines.push(JSON.parse(line)) } }),
      identity: null,
      peers: {
        users: createPeerClient<UsersRouter>(peer("users")).client,
        catalog: createPeerClient<CatalogRouter>(peer("catalog")).client,
        inventory: createPeerClient<InventoryRouter>(peer("inventory")).client,
        payments: createPeerClient<PaymentsRouter>(peer("payments")).client,
        orders: createPeerClient<OrdersRouter>(peer("orders")).client,
        reporting: createPeerClient<ReportingRouter>(peer("reporting")).client,
      },
      healthTargets: ["users", "catalog"].map((name) => ({ name, url: `http://${name}.test` })),
      healthProbeTimeoutMs: 500,
      orderPlaceTimeoutMs: 5_000,
      fetch: mesh.fetch,
      adminApiKey,
      bodyLimitBytes: 64 * 1024,
    });
    await gateway.start();
    mesh.handlers.set("catalog.get", (input) => {
      const { id } = input as { id: string };
      if (id !== "p1") throw new DomainError("NOT_FOUND", `product ${id} not found`, { id });
      return product;
    });
    mesh.handlers.set("inventory.get", () => ({ productId: "p1", onHand: 5, reserved: 1, available: 4 }));
    mesh.handlers.set("users.get", (input) => {
      const { id } = input as { id: string };
      if (id !== "c1") throw new DomainError("NOT_FOUND", `user ${id} not found`, { id });
      return customer;
    });
    mesh.handlers.set("orders.byCustomer", () => ({ items: [order("CONFIRMED")], nextCursor: null }));
    mesh.handlers.set("reporting.sales", () => salesReport);
    mesh.handlers.set("reporting.customer", (input) => customerReport((input as { customerId: string }).customerId));
  });

  const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    gateway.app.request(path, {
      method,
      // Every call carries the admin key unless the test says otherwise (admin routes need it).
      headers: { "content-type": "application/json", authorization: `Bearer ${adminApiKey}`, ...headers },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
  const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string; details?: { fields?: { path: string }[] } } }).error;
  const fieldsOf = async (res: Response) => (await errorOf(res)).details?.fields?.map((f) => f.path) ?? [];

  describe("refuses bad input with a 400 naming the field, calling no peer", () => {
    afterEach(() => expect(mesh.calls).toEqual([]));

    it("a body that is not JSON", async () => {
      const res = await send("POST", "/api/orders", "{oops", { "x-correlation-id": "corr-bad-json" });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: { code: "BAD_INPUT", message: "body is not valid JSON" } });
      expect(res.headers.get("x-correlation-id")).toBe("corr-bad-json");
    });

    it.each([
      ["a quantity of the wrong type", { customerId: "c1", items: [{ productId: "p1", quantity: "2" }] }, "items.0.quantity"],
      ["a zero quantity", { customerId: "c1", items: [{ productId: "p1", quantity: 0 }] }, "items.0.quantity"],
      ["a negative quantity", { customerId: "c1", items: [{ productId: "p1", quantity: -3 }] }, "items.0.quantity"],
      ["an empty order", { customerId: "c1", items: [] }, "items"],
      ["an unknown field", { customerId: "c1", items: [{ productId: "p1", quantity: 1 }], coupon: "FREE" }, "coupon"],
      ["an unknown field in an item", { customerId: "c1", items: [{ productId: "p1", quantity: 1, price: 1 }] }, "items.0.price"],
      ["a missing customer", { items: [{ productId: "p1", quantity: 1 }] }, "customerId"],
    ])("POST /api/orders with %s", async (_case, body, field) => {
      const res = await send("POST", "/api/orders", body);
      expect(res.status).toBe(400);
      const error = await errorOf(res);
      expect(error.code).toBe("BAD_INPUT");
      expect(error.message).toContain(field);
      expect(error.details?.fields?.map((f) => f.path)).toContain(field);
    });

    it.each([
      ["/api/products", { sku: "S", name: "N", priceCents: 9.99 }, "priceCents"],
      ["/api/products", { sku: "S", name: "N", priceCents: -1 }, "priceCents"],
      ["/api/products", { sku: "S", name: 7, priceCents: 100 }, "name"],
      ["/api/users", { email: "not-an-email", name: "A" }, "email"],
      ["/api/users", { email: "a@b.io", name: "A", admin: true }, "admin"],
    ])("POST %s with %j", async (path, body, field) => {
      const res = await send("POST", path, body);
      expect(res.status).toBe(400);
      expect(await fieldsOf(res)).toContain(field);
    });

    it("PUT stock, PUT credit and PATCH product with bad bodies", async () => {
      expect(await fieldsOf(await send("PUT", "/api/inventory/p1", { onHand: 1.5 }))).toEqual(["onHand"]);
      expect(await fieldsOf(await send("PUT", "/api/customers/c1/credit", { limitCents: "100" }))).toEqual(["limitCents"]);
      const patch = await send("PATCH", "/api/products/p1", {});
      expect(patch.status).toBe(400);
      expect((await errorOf(patch)).message).toContain("at least one of");
    });

    it("a bad query string or Idempotency-Key", async () => {
      expect(await fieldsOf(await send("GET", "/api/admin/sagas?status=LOST"))).toEqual(["status"]);
      expect(await fieldsOf(await send("GET", "/api/products?q=lamp&limit=0"))).toEqual(["limit"]);
      const longKey = await send("POST", "/api/orders", { customerId: "c1", items: [{ productId: "p1", quantity: 1 }] }, { "idempotency-key": "k".repeat(201) });
      expect(await fieldsOf(longKey)).toEqual(["Idempotency-Key"]);
      for (const [path, body] of [
        ["/api/users", { email: "a@b.io", name: "A" }],
        ["/api/products", { sku: "S", name: "N", priceCents: 1 }],
      ] as const) {
        expect(await fieldsOf(await send("POST", path, body, { "idempotency-key": "" }))).toEqual(["Idempotency-Key"]);
      }
    });

    it("the same checks on the public tRPC router", async () => {
      const res = await send("POST", "/trpc/orders.place", { customerId: "c1", items: [{ productId: "p1", quantity: 0 }] });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { message: string; data: { domainCode: string } } };
      expect(body.error.data.domainCode).toBe("BAD_INPUT");
      expect(body.error.message).toContain("items.0.quantity");
    });
  });

  it("answers an unknown id with 404 in the error shape, echoing the correlation id", async () => {
    const res = await send("GET", "/api/products/nope", undefined, { "x-correlation-id": "corr-404" });
    expect(res.status).toBe(404);
    expect(res.headers.get("x-correlation-id")).toBe("corr-404");
    expect(await res.json()).toEqual({ error: { code: "NOT_FOUND", message: "product nope not found", details: { id: "nope" } } });
    const noRoute = await send("GET", "/api/nothing-here");
    expect(noRoute.status).toBe(404);
    expect((await errorOf(noRoute)).code).toBe("NOT_FOUND");
  });

  it("answers 503 naming the peer when the essential peer is down, with a correlation id", async () => {
    mesh.down.add("catalog");
    const res = await send("GET", "/api/products/p1");
    expect(res.status).toBe(503);
    expect(res.headers.get("x-correlation-id")).toMatch(/^[0-9a-f-]{36}$/);
    const error = await errorOf(res);
    expect(error).toMatchObject({ code: "PEER_UNAVAILABLE", details: { peer: "catalog" } });
    expect(error.message).toContain("catalog");
  });

  it("logs a 5xx answer with its correlation id, and no 4xx", async () => {
    await send("POST", "/api/orders", { customerId: "c1", items: [] }, { "x-correlation-id": "corr-4xx" });
    expect((await send("GET", "/api/products/nope")).status).toBe(404);
    expect(logLines).toEqual([]);
    mesh.down.add("catalog");
    await send("GET", "/api/products/p1", undefined, { "x-correlation-id": "corr-5xx" });
    expect(logLines).toHaveLength(1);
    expect(logLines[0]).toMatchObject({ level: "error", correlationId: "corr-5xx" });
    expect(logLines[0]?.msg).toContain("catalog");
  });

  it("refuses a body over the size limit with 413 before reading it", async () => {
    const res = await send("POST", "/api/users", { email: "a@b.io", name: "x".repeat(1024 * 1024) });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe("PAYLOAD_TOO_LARGE");
    expect(mesh.calls).toEqual([]);
  });

  it("composes a product with its stock, and without inventory says so in degraded", async () => {
    const whole = await send("GET", "/api/products/p1");
    expect(whole.status).toBe(200);
    expect(await whole.json()).toEqual({ ...product, stock: { productId: "p1", onHand: 5, reserved: 1, available: 4 }, degraded: [] });
    mesh.down.add("inventory");
    const partial = await send("GET", "/api/products/p1");
    expect(partial.status).toBe(200);
    expect(await partial.json()).toEqual({ ...product, stock: null, degraded: ["inventory"] });
  });

  it("composes the customer summary: degraded parts are null, a missing customer is 404, users down is 503", async () => {
    const whole = await (await send("GET", "/api/customers/c1/summary")).json();
    expect(whole).toEqual({ customer, orders: { items: [order("CONFIRMED")], nextCursor: null }, stats: customerReport("c1"), degraded: [] });
    expect(mesh.calls.find((c) => c.peer === "reporting")?.input).toEqual({ customerId: "c1" });
    // The first page only, whatever the customer's history; the totals are reporting's running row.
    expect(mesh.calls.find((c) => c.peer === "orders")?.input).toEqual({ customerId: "c1", limit: 20 });

    mesh.down.add("orders");
    mesh.down.add("reporting");
    const partial = await send("GET", "/api/customers/c1/summary");
    expect(partial.status).toBe(200);
    expect(await partial.json()).toEqual({ customer, orders: null, stats: null, degraded: ["orders", "reporting"] });

    mesh.down.delete("orders");
    const withoutStats = await send("GET", "/api/customers/c1/summary");
    expect(await withoutStats.json()).toEqual({ customer, orders: { items: [order("CONFIRMED")], nextCursor: null }, stats: null, degraded: ["reporting"] });
    mesh.down.delete("reporting");

    expect((await send("GET", "/api/customers/nobody/summary")).status).toBe(404);
    mesh.down.add("users");
    const noUsers = await send("GET", "/api/customers/c1/summary");
    expect(noUsers.status).toBe(503);
    expect((await errorOf(noUsers)).message).toContain("users");
  });

  it("serves the reports from reporting's read models on REST and the public tRPC router", async () => {
    const sales = await send("GET", "/api/reports/sales");
    expect(sales.status).toBe(200);
    expect(await sales.json()).toEqual(salesReport);
    const stats = await send("GET", "/api/reports/customers/c1");
    expect(stats.status).toBe(200);
    expect(await stats.json()).toEqual(customerReport("c1"));
    expect(mesh.calls.map((c) => `${c.peer}.${c.path}`)).toEqual(["reporting.sales", "reporting.customer"]);
    expect(mesh.calls[0]?.input).toEqual({ limit: 20 });
    expect(mesh.calls[1]?.input).toEqual({ customerId: "c1" });

    const trpcData = async (path: string) => ((await (await send("GET", path)).json()) as { result: { data: unknown } }).result.data;
    expect(await trpcData("/trpc/reports.sales")).toEqual(salesReport);
    // The products' page: limit and cursor from the query string, passed through; a bad one a 400 naming it.
    const cursor = encodeCursor([100, "p1"]);
    expect((await send("GET", `/api/reports/sales?limit=5&cursor=${cursor}`)).status).toBe(200);
    expect(mesh.calls.at(-1)?.input).toEqual({ limit: 5, cursor });
    expect(await fieldsOf(await send("GET", "/api/reports/sales?limit=101"))).toEqual(["limit"]);
    expect(await fieldsOf(await send("GET", "/api/reports/sales?cursor=x!"))).toEqual(["cursor"]);
    const input = encodeURIComponent(JSON.stringify({ customerId: "c1" }));
    expect(await trpcData(`/trpc/reports.customer?input=${input}`)).toEqual(customerReport("c1"));
  });

  it("refuses a bad customer id on the customer report with a 400, calling no peer", async () => {
    const res = await send("GET", `/api/reports/customers/${"x".repeat(65)}`);
    expect(res.status).toBe(400);
    expect(await fieldsOf(res)).toEqual(["id"]);
    const trpc = await send("GET", `/trpc/reports.customer?input=${encodeURIComponent(JSON.stringify({ customerId: "c1", extra: 1 }))}`);
    expect(trpc.status).toBe(400);
    expect(mesh.calls).toEqual([]);
  });

  it("answers the reports with 503 naming reporting when reporting is down", async () => {
    mesh.down.add("reporting");
    for (const path of ["/api/reports/sales", "/api/reports/customers/c1"]) {
      const res = await send("GET", path);
      expect(res.status).toBe(503);
      const error = await errorOf(res);
      expect(error).toMatchObject({ code: "PEER_UNAVAILABLE", details: { peer: "reporting" } });
      expect(error.message).toContain("reporting");
    }
    const trpc = await send("GET", "/trpc/reports.sales");
    expect(trpc.status).toBe(503);
    const body = (await trpc.json()) as { error: { message: string; data: { domainCode: string } } };
    expect(body.error.data.domainCode).toBe("PEER_UNAVAILABLE");
    expect(body.error.message).toContain("reporting");
  });

  it("places an order: 201 when the saga ended, 202 while PENDING, Idempotency-Key passed on as orders' key", async () => {
    let completed = true;
    mesh.handlers.set("orders.place", () => ({ order: order(completed ? "CONFIRMED" : "PENDING"), completed }));
    const items = [{ productId: "p1", quantity: 2 }];
    const done = await send("POST", "/api/orders", { customerId: "c1", items }, { "idempotency-key": "key-1" });
    expect(done.status).toBe(201);
    expect(done.headers.get("location")).toBe("/api/orders/o1");
    expect(await done.json()).toEqual(order("CONFIRMED"));
    const placeCall = mesh.calls.find((c) => c.path === "place");
    expect(placeCall?.input).toEqual({ customerId: "c1", items, idempotencyKey: "key-1" });
    expect(placeCall?.headers.get("idempotency-key")).toBe("key-1");

    completed = false;
    const pending = await send("POST", "/api/orders", { customerId: "c1", items });
    expect(pending.status).toBe(202);
    expect(((await pending.json()) as { status: string }).status).toBe("PENDING");
    // Without the caller's key the gateway makes one (uuid v7), for its own retries of place.
    expect(mesh.calls.filter((c) => c.path === "place").at(-1)?.input).toEqual({ customerId: "c1", items, idempotencyKey: expect.stringMatching(/^[0-9a-f-]{14}7/) });
  });

  it("passes the Idempotency-Key of POST /api/users and /api/products on as the owner's key and the call's key", async () => {
    mesh.handlers.set("users.register", () => customer);
    mesh.handlers.set("catalog.create", () => product);
    const registration = { email: "c1@x.io", name: "Cee" };
    const creation = { sku: "SKU-1", name: "Lamp", priceCents: 1999 };
    expect((await send("POST", "/api/users", registration, { "idempotency-key": "reg-1" })).status).toBe(201);
    expect((await send("POST", "/api/products", creation, { "idempotency-key": "create-1" })).status).toBe(201);
    expect((await send("POST", "/api/users", registration)).status).toBe(201);
    const writes = mesh.calls.filter((c) => c.path === "register" || c.path === "create");
    expect(writes.map((c) => [c.input, c.headers.get("idempotency-key")])).toEqual([
      [{ ...registration, idempotencyKey: "reg-1" }, "reg-1"],
      [{ ...creation, idempotencyKey: "create-1" }, "create-1"],
      [registration, null],
    ]);

    // The public tRPC router takes the key as a field, the way orders.place does.
    expect((await send("POST", "/trpc/users.register", { ...registration, idempotencyKey: "reg-2" })).status).toBe(200);
    expect((await send("POST", "/trpc/products.create", { ...creation, idempotencyKey: "create-2" })).status).toBe(200);
    expect(mesh.calls.slice(-2).map((c) => [c.input, c.headers.get("idempotency-key")])).toEqual([
      [{ ...registration, idempotencyKey: "reg-2" }, "reg-2"],
      [{ ...creation, idempotencyKey: "create-2" }, "create-2"],
    ]);
  });

  it("passes a peer's own refusal through with its status (409 for a taken email)", async () => {
    mesh.handlers.set("users.register", () => {
      throw new DomainError("CONFLICT", "email a@b.io is already registered", { field: "email" });
    });
    const res = await send("POST", "/api/users", { email: "a@b.io", name: "A" });
    expect(res.status).toBe(409);
    expect(await errorOf(res)).toEqual({ code: "CONFLICT", message: "email a@b.io is already registered", details: { field: "email" } });
  });

  it("sets stock only for a product catalog knows", async () => {
    mesh.handlers.set("inventory.setStock", (input) => ({ ...(input as object), reserved: 0, available: 3 }));
    const unknown = await send("PUT", "/api/inventory/nope", { onHand: 3 });
    expect(unknown.status).toBe(404);
    expect(mesh.calls.some((c) => c.path === "setStock")).toBe(false);
    const known = await send("PUT", "/api/inventory/p1", { onHand: 3 });
    expect(await known.json()).toEqual({ productId: "p1", onHand: 3, reserved: 0, available: 3 });
  });

  it("composes /health from every worker's readiness, naming those not ready", async () => {
    mesh.down.add("catalog");
    const res = await send("GET", "/health");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ready: boolean; workers: Record<string, { ready: boolean; url: string }>; degraded: string[] };
    expect(body.ready).toBe(false);
    expect(body.workers["users"]).toMatchObject({ ready: true, url: "http://users.test", worker: "users" });
    expect(body.workers["catalog"]).toEqual({ ready: false, url: "http://catalog.test", error: "unreachable" });
    expect(body.degraded).toEqual(["catalog"]);
  });

  it("serves the same composition on the public tRPC router", async () => {
    mesh.down.add("inventory");
    const res = await send("GET", `/trpc/products.get?input=${encodeURIComponent(JSON.stringify({ id: "p1" }))}`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { result: { data: unknown } }).result.data).toEqual({ ...product, stock: null, degraded: ["inventory"] });
  });
  describe("admin API key and limits", () => {
    const writes: [string, string, unknown][] = [
      ["PUT", "/api/inventory/p1", { onHand: 3 }],
      ["PUT", "/api/customers/c1/credit", { limitCents: 500 }],
      ["GET", "/api/admin/sagas", undefined],
    ];

    it("refuses admin routes without the key or with a wrong one: 401, no peer called", async () => {
      for (const [method, path, body] of writes) {
        for (const authorization of ["", "Bearer wrong-key", `Basic ${adminApiKey}`, `Bearer ${adminApiKey}x`]) {
          const res = await send(method, path, body, { authorization });
          expect(res.status, `${method} ${path} with "${authorization}"`).toBe(401);
          const error = await errorOf(res);
          expect(error.code).toBe("UNAUTHENTICATED");
          expect(error.message).toMatch(/needs the admin API key/);
          expect(error.message).not.toContain(adminApiKey);
        }
      }
      expect(mesh.calls).toEqual([]);
    });

    it("refuses the public tRPC equivalents without the key", async () => {
      const call = (path: string, input: unknown, authorization = "") =>
        gateway.app.request(`/trpc/${path}`, { method: "POST", headers: { "content-type": "application/json", authorization }, body: JSON.stringify(input) });
      expect((await call("inventory.set", { productId: "p1", onHand: 3 })).status).toBe(401);
      expect((await call("credit.set", { customerId: "c1", limitCents: 5 })).status).toBe(401);
      expect(mesh.calls).toEqual([]);
      mesh.handlers.set("inventory.setStock", (input) => ({ ...(input as object), reserved: 0, available: 3 }));
      expect((await call("inventory.set", { productId: "p1", onHand: 3 }, `Bearer ${adminApiKey}`)).status).toBe(200);
    });

    it("refuses a body over the limit with 413 and an order with too many items with 400, calling no peer", async () => {
      const big = await send("POST", "/api/products", { sku: "BIG", name: "Big", priceCents: 1, description: "x".repeat(70 * 1024) });
      expect(big.status).toBe(413);
      expect(await errorOf(big)).toMatchObject({ code: "PAYLOAD_TOO_LARGE", message: "request body is larger than 65536 bytes" });
      const items = Array.from({ length: 101 }, (_, i) => ({ productId: `p${i}`, quantity: 1 }));
      const many = await send("POST", "/api/orders", { customerId: "c1", items });
      expect(many.status).toBe(400);
      expect(await fieldsOf(many)).toEqual(["items"]);
      const longName = await send("POST", "/api/users", { email: "a@b.io", name: "n".repeat(201) });
      expect(await fieldsOf(longName)).toEqual(["name"]);
      expect(mesh.calls).toEqual([]);
    });
  });
});
