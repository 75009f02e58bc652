/**
 * Issue #23, acceptance 2: 3,000 orders of one customer placed through a real mesh (every worker a
 * Bun process, real NATS JetStream), and every list that customer reaches walked page by page:
 * each page holds at most its limit (≤ 100), nextCursor leads to the end (null on the last page),
 * the pages together are exactly the 3,000 orders in the list's order, and a bad limit or cursor
 * is a 400 naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminHeaders, startNats, startWorker, stopAll, tempDir, trpcQuery, waitFor, type RunningWorker } from "./support/processes";

const internal = ["users", "catalog", "inventory", "payments", "reporting"] as const;
const orderCount = 3_000;
const inFlight = 24;
const priceCents = 100;

const workers: Record<string, RunningWorker> = {};
afterAll(stopAll);

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${workers["gateway"]!.url}${path}`, {
    method,
    headers: { "content-type": "application/json", ...adminHeaders() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

interface Page {
  items: Record<string, unknown>[];
  nextCursor: string | null;
}

/** Every page of a list from its first, each checked to hold at most `limit` items; the items in page order. */
async function walk(fetchPage: (cursor: string | undefined) => Promise<Page>, limit: number) {
  const items: Record<string, unknown>[] = [];
  const cursors: string[] = [];
  for (let cursor: string | undefined, first = true; first || cursor; first = false) {
    const page = await fetchPage(cursor);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    if (page.nextCursor !== null) expect(page.items, "a page with a next cursor is full").toHaveLength(limit);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
    if (cursor) cursors.push(cursor);
    expect(items.length, "the walk ends").toBeLessThanOrEqual(orderCount);
  }
  return { items, cursors };
}

/** The items are in descending order of `key` (an array of their sort key and id), no two equal. */
function expectDescending(items: Record<string, unknown>[], key: (item: Record<string, unknown>) => (string | number)[]) {
  for (let i = 1; i < items.length; i++) {
    const [a, b] = [key(items[i - 1]!), key(items[i]!)];
    const order = a.findIndex((v, k) => v !== b[k]);
    expect(order, `items ${i - 1} and ${i} have the same key`).toBeGreaterThanOrEqual(0);
    expect(a[order]! > b[order]!, `item ${i} (${b.join(" ")}) comes after item ${i - 1} (${a.join(" ")})`).toBe(true);
  }
}

/** The ids are exactly the orders placed, each once. */
function expectAllOrders(ids: unknown[], placed: Set<string>) {
  expect(ids).toHaveLength(placed.size);
  expect(new Set(ids).size).toBe(placed.size);
  expect(ids.filter((id) => !placed.has(id as string))).toEqual([]);
}

/** A cursor with one character changed, at `at` (default: the middle, inside the row's key): no longer one a page gave. */
const tampered = (cursor: string, at = Math.floor(cursor.length / 2)) => cursor.slice(0, at) + (cursor[at] === "A" ? "B" : "A") + cursor.slice(at + 1);

const restFields = (body: any) => (body.error?.details?.fields ?? []).map((f: { path: string }) => f.path);
/** The fields a tRPC refusal names: zod's (data.fields) or a domain error's (data.details.fields). */
const trpcFields = (body: any) => [...(body.error?.data?.fields ?? []), ...(body.error?.data?.details?.fields ?? [])].map((f: { path: string }) => f.path);

describe("3,000 orders of one customer: every list it reaches is paged", () => {
  let customerId: string;
  const placed = new Set<string>();

  beforeAll(async () => {
    const nats = await startNats();
    const common = { DATA_DIR: tempDir("paging-3000"), NATS_URL: nats.url, LOG_LEVEL: "warn", OTEL_SDK_DISABLED: "true" };
    const started = await Promise.all(internal.map((name) => startWorker(name, common)));
    internal.forEach((name, i) => (workers[name] = started[i]!));
    const peers = Object.fromEntries(internal.map((name) => [`${name.toUpperCase()}_URL`, workers[name]!.url]));
    // A loaded machine: long deadlines so a slow answer is waited for, never a rejected order.
    workers["orders"] = await startWorker("orders", { ...common, ...peers, ORDER_WAIT_MS: "30000", PEER_TIMEOUT_MS: "20000", SAGA_DEADLINE_MS: "120000" });
    workers["gateway"] = await startWorker("gateway", {
      ...common,
      ...peers,
      ORDERS_URL: workers["orders"].url,
      ORDER_PLACE_TIMEOUT_MS: "60000",
      PEER_TIMEOUT_MS: "20000",
      READ_WAIT_MS: "15000",
    });

    const user = await api("POST", "/api/users", { email: "pager@paging.io", name: "Pager" });
    const product = await api("POST", "/api/products", { sku: "SKU-PAGE", name: "Page lamp", priceCents });
    expect([user.status, product.status]).toEqual([201, 201]);
    customerId = user.body.id;
    expect((await api("PUT", `/api/inventory/${product.body.id}`, { onHand: 1_000_000 })).status).toBe(200);
    expect((await api("PUT", `/api/customers/${customerId}/credit`, { limitCents: 100_000_000 })).status).toBe(200);

    const started3000 = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < orderCount) {
          next += 1;
          const order = await api("POST", "/api/orders", { customerId, items: [{ productId: product.body.id, quantity: 1 }] });
          if (order.status !== 201 || order.body.status !== "CONFIRMED") throw new Error(`an order answered ${order.status}: ${JSON.stringify(order.body)}`);
          placed.add(order.body.id);
        }
      }),
    );
    console.log(`placed ${placed.size} orders in ${Date.now() - started3000} ms, ${inFlight} in flight`);
    expect(placed.size).toBe(orderCount);
  }, 240_000);

  it("GET /api/customers/:id/orders: at limit 100 to the end, newest first, and at the default (20) page by page", { timeout: 120_000 }, async () => {
    const path = `/api/customers/${customerId}/orders`;
    const byHundred = await walk(async (cursor) => {
      const page = await api("GET", `${path}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(page.status).toBe(200);
      return page.body;
    }, 100);
    expect(byHundred.cursors).toHaveLength(orderCount / 100 - 1);
    expectAllOrders(
      byHundred.items.map((o) => o.id),
      placed,
    );
    expectDescending(byHundred.items, (o) => [o.id as string]);
    for (const order of byHundred.items) expect(order).toMatchObject({ customerId, status: "CONFIRMED" });

    // The default page is 20: its first pages are the newest orders, the same as the 100s'.
    let cursor: string | undefined;
    const byDefault: unknown[] = [];
    for (let page = 0; page < 5; page++) {
      const answer = await api("GET", `${path}${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(answer.status).toBe(200);
      expect(answer.body.items).toHaveLength(20);
      byDefault.push(...answer.body.items.map((o: { id: string }) => o.id));
      cursor = answer.body.nextCursor;
      expect(typeof cursor).toBe("string");
    }
    expect(byDefault).toEqual(byHundred.items.slice(0, 100).map((o) => o.id));
  });

  it("GET /api/customers/:id/summary: the first page of orders and totals that agree with the 3,000 orders", { timeout: 120_000 }, async () => {
    const stats = await waitFor(
      "reporting's totals of the 3,000 orders",
      async () => {
        const summary = await api("GET", `/api/customers/${customerId}/summary`);
        return summary.status === 200 && summary.body.stats?.orders === orderCount ? summary.body : undefined;
      },
      90_000,
    );
    expect(stats.degraded ?? []).toEqual([]);
    expect(stats.stats).toMatchObject({ customerId, orders: orderCount, spentCents: orderCount * priceCents, cancelledOrders: 0, refundedCents: 0 });
    const first = (await api("GET", `/api/customers/${customerId}/orders`)).body;
    expect(stats.orders.items).toHaveLength(20);
    expect(stats.orders.items.map((o: { id: string }) => o.id)).toEqual(first.items.map((o: { id: string }) => o.id));
    // Its nextCursor carries on in the orders list.
    const second = await api("GET", `/api/customers/${customerId}/orders?cursor=${encodeURIComponent(stats.orders.nextCursor)}`);
    expect(second.status).toBe(200);
    expect(second.body.items).toHaveLength(20);
    expect(second.body.items[0].id < stats.orders.items[19].id).toBe(true);
  });

  it("payments' and inventory's internal lists, and GET /api/admin/sagas: every order once, in order, to the end", { timeout: 120_000 }, async () => {
    const internalWalk = (worker: string, procedure: string, input: Record<string, unknown>) =>
      walk(async (cursor) => {
        const answer = await trpcQuery(workers[worker]!.url, procedure, { ...input, limit: 100, ...(cursor ? { cursor } : {}) });
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        return answer.body.result.data;
      }, 100);

    const payments = await internalWalk("payments", "payments", { customerId });
    expectAllOrders(
      payments.items.map((p) => p.orderId),
      placed,
    );
    expectDescending(payments.items, (p) => [p.createdAt as string, p.orderId as string]);
    // Captures follow the confirmation on payments' consumer: the walk sees each payment once whatever its state.
    for (const payment of payments.items) expect(payment.customerId).toBe(customerId);

    // The only customer of this mesh: every reservation is one of its orders.
    const reservations = await internalWalk("inventory", "reservations", {});
    expectAllOrders(
      reservations.items.map((r) => r.orderId),
      placed,
    );
    expectDescending(reservations.items, (r) => [r.createdAt as string, r.orderId as string]);

    // Every saga is DONE (the orders confirmed), so updatedAt no longer moves under the walk.
    await waitFor("every saga done", async () => {
      for (const state of ["STARTED", "RESERVING", "RESERVED", "AUTHORIZING", "AUTHORIZED", "COMMITTING", "CAPTURING", "COMPENSATING", "NEEDS_ATTENTION"]) {
        const unfinished = await api("GET", `/api/admin/sagas?status=${state}&limit=1`);
        if (unfinished.status !== 200 || unfinished.body.items.length > 0) return undefined;
      }
      return true;
    });
    const sagas = await walk(async (cursor) => {
      const page = await api("GET", `/api/admin/sagas?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(page.status).toBe(200);
      return page.body;
    }, 100);
    expectAllOrders(
      sagas.items.map((s) => s.orderId),
      placed,
    );
    expectDescending(sagas.items, (s) => [s.updatedAt as string, s.orderId as string]);
  });

  it("limit 0, 101 or x, and a tampered cursor or another list's, are each a 400 naming the field", { timeout: 60_000 }, async () => {
    const ordersPath = `/api/customers/${customerId}/orders`;
    const ordersCursor = (await api("GET", `${ordersPath}?limit=100`)).body.nextCursor as string;
    const sagasCursor = (await api("GET", "/api/admin/sagas")).body.nextCursor as string;
    const paymentsCursor = (await trpcQuery(workers["payments"]!.url, "payments", { customerId })).body.result.data.nextCursor as string;
    const reservationsCursor = (await trpcQuery(workers["inventory"]!.url, "reservations", {})).body.result.data.nextCursor as string;
    for (const cursor of [ordersCursor, sagasCursor, paymentsCursor, reservationsCursor]) expect(typeof cursor).toBe("string");

    for (const path of [ordersPath, "/api/admin/sagas"]) {
      for (const limit of ["0", "101", "x"]) {
        const answer = await api("GET", `${path}?limit=${limit}`);
        expect([answer.status, restFields(answer.body)], `${path}?limit=${limit}`).toEqual([400, ["limit"]]);
      }
    }
    const badRestCursors: [string, string][] = [
      [ordersPath, tampered(ordersCursor)],
      [ordersPath, tampered(ordersCursor, 0)],
      [ordersPath, ordersCursor.slice(0, -3)],
      [ordersPath, sagasCursor],
      ["/api/admin/sagas", tampered(sagasCursor)],
      ["/api/admin/sagas", ordersCursor],
    ];
    for (const [path, cursor] of badRestCursors) {
      const answer = await api("GET", `${path}?cursor=${encodeURIComponent(cursor)}`);
      expect([answer.status, restFields(answer.body)], `${path}?cursor=${cursor}`).toEqual([400, ["cursor"]]);
    }

    const lists = [
      { worker: "payments", procedure: "payments", input: { customerId }, cursor: paymentsCursor },
      { worker: "inventory", procedure: "reservations", input: {}, cursor: reservationsCursor },
    ];
    for (const { worker, procedure, input, cursor } of lists) {
      const url = workers[worker]!.url;
      for (const limit of [0, 101, "x"]) {
        const answer = await trpcQuery(url, procedure, { ...input, limit });
        expect([answer.status, trpcFields(answer.body)], `${procedure} limit ${limit}`).toEqual([400, ["limit"]]);
      }
      for (const bad of [tampered(cursor), tampered(cursor, 0), tampered(cursor, cursor.length - 1), cursor.slice(0, -3), ordersCursor]) {
        const answer = await trpcQuery(url, procedure, { ...input, cursor: bad });
        expect([answer.status, trpcFields(answer.body)], `${procedure} cursor ${bad}`).toEqual([400, ["cursor"]]);
      }
    }
  });
});
