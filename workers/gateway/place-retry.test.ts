/** The gateway's own retries of `orders.place` while orders is unavailable, on an in-process gateway whose orders is a fake fetch. */
import { describe, expect, it } from "vitest";
import { createPeerClient } from "../../shared/rpc/peer-client";
import { idempotencyHeader } from "../../shared/core/request-scope";
import { createAnsweringPeers } from "../../test/support/answering-peers";
import { sampleOrder } from "../../test/support/sample-answers";
import { createGatewayWorker } from "./worker";

const adminApiKey = "place-retry-admin-key-0123456789";
const order = { customerId: "c1", items: [{ productId: "p1", quantity: 1 }] };
const uuidV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** What orders does on each try of `place`, in turn (the last one repeats). */
type Reply = "down" | "slow" | "catalog down" | { completed: boolean };

/**
 * A gateway whose orders answers each `place` try with the next reply, recording the try's
 * Idempotency-Key header and the key in its input. A "down" orders refuses the connection; a "slow"
 * one never answers (until the call is cut off).
 */
function gatewayWithOrders(replies: Reply[], orderPlaceTimeoutMs = 5_000) {
  const tries: Array<{ header: string | null; inputKey: unknown }> = [];
  const ordersFetch = async (_input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const body = JSON.parse(String(init?.body)) as { idempotencyKey?: unknown };
    tries.push({ header: new Headers(init?.headers).get(idempotencyHeader), inputKey: body.idempotencyKey });
    const reply = replies[Math.min(tries.length, replies.length) - 1]!;
    if (reply === "down") throw new TypeError("fetch failed");
    if (reply === "slow") return new Promise((_, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)));
    if (reply === "catalog down") {
      const error = {
        message: "catalog is unavailable (unreachable)",
        code: -32603,
        data: { code: "SERVICE_UNAVAILABLE", domainCode: "PEER_UNAVAILABLE", details: { peer: "catalog" } },
      };
      return Response.json({ error }, { status: 503 });
    }
    return Response.json({ result: { data: { order: { ...sampleOrder, status: reply.completed ? "CONFIRMED" : "PENDING" }, completed: reply.completed } } });
  };
  const { deps } = createAnsweringPeers(adminApiKey);
  const orders = createPeerClient({ self: "gateway", peer: "orders", url: "http://orders.test", maxAttempts: 1, fetch: ordersFetch }).client;
  const gateway = createGatewayWorker({ ...deps, orderPlaceTimeoutMs, peers: { ...deps.peers, orders: orders as typeof deps.peers.orders } });
  const place = (headers: Record<string, string> = {}) =>
    gateway.app.request("/api/orders", { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(order) });
  return { tries, place };
}

describe("the gateway placing an order while orders is unavailable", () => {
  it("tries again with the caller's Idempotency-Key, and answers the order once orders is back", async () => {
    const { tries, place } = gatewayWithOrders(["down", "down", { completed: true }]);
    const res = await place({ "idempotency-key": "order-key-1" });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ id: "o1", status: "CONFIRMED" });
    expect(tries).toEqual(Array(3).fill({ header: "order-key-1", inputKey: "order-key-1" }));
  });

  it("makes a key (uuid v7) for a caller without one and keeps it on every try; 202 with the location while the order is PENDING", async () => {
    const { tries, place } = gatewayWithOrders(["down", "down", { completed: false }]);
    const res = await place();
    expect(res.status).toBe(202);
    expect(res.headers.get("location")).toBe("/api/orders/o1");
    expect(tries).toHaveLength(3);
    const [first] = tries;
    expect(first!.header).toMatch(uuidV7);
    expect(tries).toEqual(Array(3).fill({ header: first!.header, inputKey: first!.header }));
  });

  it("makes a new key for each request without one (two requests are two orders, as before)", async () => {
    const { tries, place } = gatewayWithOrders([{ completed: true }]);
    await place();
    await place();
    expect(new Set(tries.map((t) => t.header)).size).toBe(2);
  });

  it("answers 503 naming orders once its deadline passes with orders still down", async () => {
    const { tries, place } = gatewayWithOrders(["down"], 300);
    const res = await place({ "idempotency-key": "order-key-2" });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: "PEER_UNAVAILABLE", details: { peer: "orders" } } });
    expect(tries.length).toBeGreaterThan(1);
    expect(new Set(tries.map((t) => t.header))).toEqual(new Set(["order-key-2"]));
  });

  it("answers 503 naming orders when orders is too slow for the whole deadline", async () => {
    const { tries, place } = gatewayWithOrders(["slow"], 200);
    const res = await place();
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: "PEER_UNAVAILABLE", details: { peer: "orders", reason: "timeout" } } });
    expect(tries).toHaveLength(1);
  });

  it("does not retry orders' own answer that one of its peers is down: 503 naming that peer at once", async () => {
    const { tries, place } = gatewayWithOrders(["catalog down"]);
    const res = await place();
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: "PEER_UNAVAILABLE", details: { peer: "catalog" } } });
    expect(tries).toHaveLength(1);
  });
});
