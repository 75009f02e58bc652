import { describe, expect, it } from "vitest";
import { createAnsweringPeers } from "../../test/support/answering-peers";
import { createGatewayWorker } from "./worker";

/** The gateway's edge for browsers and strangers: JSON only, CORS by allow-list, catalog writes for the admin. */
const adminApiKey = "edge-admin-key-0123456789abcdef";
const product = { sku: "EDGE-1", name: "Lamp", priceCents: 100 };

function gatewayWith(corsOrigins?: string[]) {
  const { calls, deps } = createAnsweringPeers(adminApiKey, corsOrigins ? { corsOrigins } : {});
  return { calls, app: createGatewayWorker(deps).app };
}

describe("gateway edge", () => {
  it("refuses a JSON body sent as text/plain, as a form or untyped with 415 naming application/json, calling no peer (REST and tRPC)", async () => {
    const { app, calls } = gatewayWith();
    const admin = { authorization: `Bearer ${adminApiKey}` };
    const attempts: [string, string, Record<string, string>][] = [
      ["/api/users", JSON.stringify({ email: "a@b.io", name: "A" }), { "content-type": "text/plain" }],
      ["/api/orders", JSON.stringify({ customerId: "c1", items: [{ productId: "p1", quantity: 1 }] }), { "content-type": "application/x-www-form-urlencoded" }],
      ["/api/products", JSON.stringify(product), { ...admin, "content-type": "text/plain;charset=UTF-8" }],
      ["/trpc/orders.place", JSON.stringify({ customerId: "c1", items: [{ productId: "p1", quantity: 1 }] }), { "content-type": "text/plain" }],
    ];
    for (const [path, body, headers] of attempts) {
      const response = await app.request(path, { method: "POST", headers, body });
      expect(response.status, path).toBe(415);
      const answer = (await response.json()) as { error: { code: string; message: string } };
      expect(answer.error.code, path).toBe("UNSUPPORTED_MEDIA_TYPE");
      expect(answer.error.message, path).toContain("application/json");
    }
    const untyped = new Request("http://gateway/api/users", { method: "POST", body: JSON.stringify({ email: "a@b.io", name: "A" }) });
    untyped.headers.delete("content-type");
    expect((await app.request(untyped)).status).toBe(415);
    expect(calls).toEqual([]);
  });

  it("needs the admin key for catalog writes, REST and tRPC, and lets them through with it", async () => {
    const { app, calls } = gatewayWith();
    const json = { "content-type": "application/json" };
    const refused = [
      await app.request("/api/products", { method: "POST", headers: json, body: JSON.stringify(product) }),
      await app.request("/api/products/p1", { method: "PATCH", headers: { ...json, authorization: "Bearer wrong" }, body: JSON.stringify({ priceCents: 0 }) }),
      await app.request("/trpc/products.create", { method: "POST", headers: json, body: JSON.stringify(product) }),
      await app.request("/trpc/products.update", { method: "POST", headers: json, body: JSON.stringify({ id: "p1", priceCents: 0 }) }),
    ];
    expect(refused.map((response) => response.status)).toEqual([401, 401, 401, 401]);
    expect(calls).toEqual([]);
    const admitted = await app.request("/api/products", { method: "POST", headers: { ...json, authorization: `Bearer ${adminApiKey}` }, body: JSON.stringify(product) });
    expect(admitted.status).toBe(201);
    expect(calls).toEqual(["catalog.create"]);
  });

  it("answers no cross-origin preflight and grants no origin when CORS_ORIGINS is unset", async () => {
    const { app } = gatewayWith();
    const preflight = await app.request("/api/orders", {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    const read = await app.request("/api/orders/o1", { headers: { origin: "https://evil.example" } });
    expect(read.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("allows exactly the listed origins, exposing the correlation id and location", async () => {
    const { app } = gatewayWith(["https://shop.example"]);
    const ask = (origin: string) =>
      app.request("/api/orders", { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type,idempotency-key" } });
    const allowed = await ask("https://shop.example");
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://shop.example");
    expect(allowed.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("idempotency-key");
    expect((await ask("https://evil.example")).headers.get("access-control-allow-origin")).toBeNull();
    const read = await app.request("/api/orders/o1", { headers: { origin: "https://shop.example" } });
    expect(read.headers.get("access-control-allow-origin")).toBe("https://shop.example");
    expect(read.headers.get("access-control-expose-headers")?.toLowerCase()).toContain("x-correlation-id");
  });
});
