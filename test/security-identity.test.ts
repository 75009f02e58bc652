/**
 * Service identity over real processes: inventory run by its main.ts with the mesh secret refuses
 * every internal call that does not prove who is calling (401), refuses a proven caller that is not
 * on the procedure's list (403), logs both with caller and procedure, and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServiceIdentity } from "../shared/rpc/identity";
import { startWorker, stopAll, tempDir, testIdentity, testMeshSecret, trpcMutation, trpcQuery, type RunningWorker } from "./support/processes";

let inventory: RunningWorker;
const productId = "identity-product";
const reserve = { orderId: "identity-order", lines: [{ productId, quantity: 2 }] };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  inventory = await startWorker("inventory", { DATA_DIR: tempDir("identity"), NATS_URL: "nats://127.0.0.1:1", MESH_TOKEN_SECRET: testMeshSecret });
  expect((await trpcMutation(inventory.url, "setStock", { productId, onHand: 10 })).status).toBe(200);
});
afterAll(stopAll);

async function unchanged() {
  expect((await trpcQuery(inventory.url, "get", { productId })).body.result.data).toEqual({ productId, onHand: 10, reserved: 0, available: 10 });
  expect((await trpcQuery(inventory.url, "reservations", {})).body.result.data).toEqual({ items: [], nextCursor: null });
}

describe("service identity on internal procedures", () => {
  it("refuses a call without a token, with another key's token, an expired one, or one for another worker: 401", async () => {
    const otherKey = createServiceIdentity({ self: "orders", secret: "a-different-mesh-secret-0123456789abcdef" });
    const expired = createServiceIdentity({ self: "orders", secret: testMeshSecret, now: () => new Date(Date.now() - 10 * 60_000) });
    const attempts = {
      none: { authorization: "" },
      garbage: bearer("not-a-jwt"),
      otherKey: bearer(await otherKey.tokenFor("inventory")),
      expired: bearer(await expired.tokenFor("inventory")),
      wrongAudience: bearer(await testIdentity("orders").tokenFor("payments")),
    };
    for (const [name, headers] of Object.entries(attempts)) {
      const answer = await trpcMutation(inventory.url, "reserve", reserve, { "x-mesh-caller": "orders", ...headers });
      expect(answer.status, name).toBe(401);
      expect(answer.body.error.data.code).toBe("UNAUTHORIZED");
      expect(answer.body.error.message).toMatch(/call to reserve refused/);
    }
    // Reads need a token too.
    expect((await trpcQuery(inventory.url, "get", { productId }, { authorization: "" })).status).toBe(401);
    await unchanged();
    expect(inventory.output()).toMatch(/"claimedCaller":"orders".*"procedure":"reserve".*"reason":"missing".*call refused: no valid service token/);
    expect(inventory.output()).toMatch(/"reason":"expired"/);
    expect(inventory.output()).toMatch(/"reason":"wrong_audience"/);
    expect(inventory.output()).toMatch(/"reason":"bad_signature"/);
  });

  it("refuses a valid token from a caller not on the procedure's list: 403, logged, nothing changed", async () => {
    const asGateway = await trpcMutation(inventory.url, "reserve", reserve, { "x-mesh-caller": "gateway" });
    expect(asGateway.status).toBe(403);
    expect(asGateway.body.error.message).toBe("gateway may not call reserve (allowed: orders)");
    const auditAsOrders = await trpcQuery(inventory.url, "audit", undefined, { "x-mesh-caller": "orders" });
    expect(auditAsOrders.status).toBe(403);
    const setStockAsOrders = await trpcMutation(inventory.url, "setStock", { productId, onHand: 0 }, { "x-mesh-caller": "orders" });
    expect(setStockAsOrders.status).toBe(403);
    await unchanged();
    expect(inventory.output()).toMatch(/"caller":"gateway".*"procedure":"reserve".*call refused: caller not allowed/);
  });

  it("lets the allowed caller through, and reads to any mesh worker", async () => {
    expect((await trpcMutation(inventory.url, "reserve", reserve, { "x-mesh-caller": "orders" })).status).toBe(200);
    expect((await trpcQuery(inventory.url, "get", { productId }, { "x-mesh-caller": "reporting" })).body.result.data.reserved).toBe(2);
    expect((await trpcQuery(inventory.url, "audit", undefined, { "x-mesh-caller": "mesh-cli" })).status).toBe(200);
  });

  it("refuses a body over BODY_LIMIT_BYTES (256 KiB by default) with 413 before any procedure runs", async () => {
    const answer = await trpcMutation(inventory.url, "setStock", { productId, onHand: 0, pad: "x".repeat(300 * 1024) });
    expect(answer.status).toBe(413);
    expect(answer.body.error).toMatchObject({ code: "PAYLOAD_TOO_LARGE", message: "request body is larger than 262144 bytes" });
    expect((await trpcQuery(inventory.url, "get", { productId })).body.result.data.onHand).toBe(10);
  });

  it("never writes a token or the secret to its log", () => {
    expect(inventory.output()).not.toContain(testMeshSecret);
    expect(inventory.output()).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
  });
});
