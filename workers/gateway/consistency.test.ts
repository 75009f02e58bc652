/**
 * The gateway's part of read-your-writes, in-process against fake peers that answer as the kit's
 * edge does (tokens and read-model facts in headers): a write answers its peers' token (header on
 * REST, field on tRPC), a read of a read model forwards its token to that owner only, and a read
 * model behind answers 503 with retry-after and its lag.
 */
import { describe, expect, it } from "vitest";
import { v7 as uuidv7 } from "uuid";
import { DomainError, domainErrorCodes } from "../../shared/core/errors";
import { createLogger } from "../../shared/core/logger";
import { createConsistencyTokens } from "../../shared/events/consistency-token";
import { createPeerClient } from "../../shared/rpc/peer-client";
import type { GatewayPeers } from "./deps";
import { createGatewayWorker } from "./worker";

const tokens = createConsistencyTokens("a-mesh-secret-of-at-least-32-bytes-0123456789");
const adminApiKey = "consistency-admin-key-0123456789";
const stockEvent = { subject: "inventory.stock.adjusted", id: uuidv7() };
const stockToken = tokens.issue([stockEvent])!;

type Answer = { data: unknown; headers?: Record<string, string> };

/** Peers answering `answers[peer.path]`, recording each call's headers; a thrown DomainError answers as tRPC would. */
function gatewayWith(answers: Record<string, () => Answer>) {
  const calls: { call: string; headers: Headers }[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const call = `${url.hostname.replace(/\.test$/, "")}.${url.pathname.replace(/^\/trpc\//, "")}`;
    calls.push({ call, headers: new Headers(init?.headers) });
    try {
      const answer = answers[call]!();
      return Response.json({ result: { data: answer.data } }, { headers: answer.headers ?? {} });
    } catch (error) {
      const e = error as DomainError;
      const { trpc, http } = domainErrorCodes[e.code];
      return Response.json({ error: { message: e.message, code: -32000, data: { code: trpc, httpStatus: http, domainCode: e.code, details: e.details ?? null } } }, { status: http });
    }
  };
  const peer = (name: string) => createPeerClient({ self: "gateway", peer: name, url: `http://${name}.test`, maxAttempts: 1, fetch }).client;
  const names = ["users", "catalog", "inventory", "payments", "orders", "reporting"];
  const gateway = createGatewayWorker({
    logger: createLogger({ worker: "gateway", level: "silent" }),
    identity: null,
    consistency: tokens,
    peers: Object.fromEntries(names.map((name) => [name, peer(name)])) as unknown as GatewayPeers,
    healthTargets: [],
    healthProbeTimeoutMs: 500,
    orderPlaceTimeoutMs: 5_000,
    adminApiKey,
  });
  const send = (method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}) =>
    gateway.app.request(path, {
      method,
      headers: { "content-type": "application/json", authorization: `Bearer ${adminApiKey}`, ...options.headers },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
  return { calls, send };
}

const product = {
  id: "p1",
  sku: "S",
  name: "Lamp",
  description: null,
  priceCents: 100,
  attributes: {},
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
  inStock: true,
};
const stock = { productId: "p1", onHand: 3, reserved: 0, available: 3 };

describe("consistency tokens at the gateway", () => {
  it("answers a composed write with its peers' token: the header on REST, `consistencyToken` on tRPC, not in the REST body", async () => {
    const { send } = gatewayWith({
      "catalog.get": () => ({ data: product, headers: { "x-read-model-lag-ms": "0", "x-read-model-position": "INVENTORY:1" } }),
      "inventory.setStock": () => ({ data: stock, headers: { "x-consistency-token": stockToken } }),
    });
    const rest = await send("PUT", "/api/inventory/p1", { body: { onHand: 3 } });
    expect(await rest.json()).toEqual(stock);
    expect(tokens.read(rest.headers.get("x-consistency-token")!).map((e) => e.id)).toEqual([stockEvent.id]);
    const trpc = await send("POST", "/trpc/inventory.set", { body: { productId: "p1", onHand: 3 } });
    const { result } = (await trpc.json()) as { result: { data: { consistencyToken: string } } };
    expect(tokens.read(result.data.consistencyToken).map((e) => e.id)).toEqual([stockEvent.id]);
  });

  it("forwards a read's token (?after= or the header) to the read model's owner only, and answers its lag and position", async () => {
    const { send, calls } = gatewayWith({
      "catalog.get": () => ({ data: product, headers: { "x-read-model-lag-ms": "7", "x-read-model-position": "INVENTORY:12" } }),
      "inventory.get": () => ({ data: stock }),
    });
    for (const request of [{ path: `/api/products/p1?after=${encodeURIComponent(stockToken)}` }, { path: "/api/products/p1", headers: { "x-consistency-token": stockToken } }]) {
      calls.length = 0;
      const answer = await send("GET", request.path, { headers: request.headers ?? {} });
      expect(answer.status).toBe(200);
      expect([answer.headers.get("x-read-model-lag-ms"), answer.headers.get("x-read-model-position")]).toEqual(["7", "INVENTORY:12"]);
      const forwarded = Object.fromEntries(calls.map(({ call, headers }) => [call, headers.get("x-consistency-token")]));
      expect(forwarded).toEqual({ "catalog.get": stockToken, "inventory.get": null });
    }
  });

  it("answers a read model behind its reader's token with 503, retry-after and the lag", async () => {
    const { send } = gatewayWith({
      "reporting.customer": () => {
        throw new DomainError("READ_MODEL_BEHIND", "reporting's read model has not applied 1 event(s)", { readModel: "reporting", lagMs: 3200, retryAfterS: 4 });
      },
    });
    const answer = await send("GET", "/api/reports/customers/c1", { headers: { "x-consistency-token": stockToken } });
    expect(answer.status).toBe(503);
    expect([answer.headers.get("retry-after"), answer.headers.get("x-read-model-lag-ms")]).toEqual(["4", "3200"]);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe("READ_MODEL_BEHIND");
  });
});
