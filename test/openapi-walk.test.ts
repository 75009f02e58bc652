/**
 * The OpenAPI document walked against a RUNNING gateway (every worker a real Bun process, a real
 * nats-server): fetches /openapi.json from the gateway, seeds a customer, product, stock, credit
 * and an order, then for every documented operation sends a valid request and a bad-input one and
 * checks each answer's status is documented and its body validates against the documented schema
 * (test/support/openapi-walk.ts; workers/gateway/openapi-answers.test.ts shows it naming a drifted field).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopAll } from "./support/processes";
import { startShopMesh, type TestMesh } from "./support/mesh";
import { walkDocument, type OpenApiDocument } from "./support/openapi-walk";

let mesh: TestMesh;

beforeAll(async () => {
  mesh = await startShopMesh();
}, 120_000);
afterAll(stopAll);

/** The admin key test/support gives the mesh; sent on every call (routes that need none ignore it). */
function send(method: string, path: string, body?: unknown) {
  const key = process.env["ADMIN_API_KEY"];
  const headers: Record<string, string> = { "x-correlation-id": "openapi-walk-process", ...(key ? { authorization: `Bearer ${key}` } : {}) };
  if (body !== undefined) headers["content-type"] = "application/json";
  return fetch(`${mesh.url("gateway")}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

async function json(method: string, path: string, body?: unknown) {
  const answer = await send(method, path, body);
  return { status: answer.status, body: (await answer.json()) as Record<string, any> };
}

/** A customer with credit, a product with stock and an order of it: the ids the samples' c1, p1 and o1 stand for. */
async function seed(): Promise<Record<string, string>> {
  const tag = `${Date.now()}`;
  const customer = await json("POST", "/api/users", { email: `walk${tag}@example.com`, name: "Walker" });
  const product = await json("POST", "/api/products", { sku: `WALK-${tag}`, name: "Walk lamp", priceCents: 100 });
  expect([customer.status, product.status]).toEqual([201, 201]);
  expect((await json("PUT", `/api/inventory/${product.body["id"]}`, { onHand: 50 })).status).toBe(200);
  expect((await json("PUT", `/api/customers/${customer.body["id"]}/credit`, { limitCents: 100_000 })).status).toBe(200);
  const order = await json("POST", "/api/orders", { customerId: customer.body["id"], items: [{ productId: product.body["id"], quantity: 1 }] });
  expect([201, 202]).toContain(order.status);
  return { c1: customer.body["id"], p1: product.body["id"], o1: order.body["id"] };
}

describe("the documented routes against the running gateway", () => {
  it("answers every documented operation, valid and bad input, with a documented status and a body its schema validates", async () => {
    const answer = await send("GET", "/openapi.json");
    expect(answer.status).toBe(200);
    const document = (await answer.json()) as OpenApiDocument;
    const ids = await seed();
    const { walked, problems } = await walkDocument(document, send, (text) => text.replace(/\b(c1|p1|o1)\b/g, (id) => ids[id]!));
    expect(problems).toEqual([]);
    expect(walked).toBe(Object.values(document.paths).flatMap((byMethod) => Object.keys(byMethod)).length);
    expect(walked).toBeGreaterThan(10);
  }, 180_000);

  it("shows on /mesh the breakers per peer of orders as well as of the gateway (each from its own /health/ready)", async () => {
    const ready = await json("GET", "/health/ready");
    expect(ready.status).toBe(200);
    const orders = await (await fetch(`${mesh.url("orders")}/health/ready`)).json();
    expect(Object.keys((orders as { breakers: object }).breakers).sort()).toEqual(["catalog", "inventory", "payments", "users"]);
    const page = await (await send("GET", "/mesh")).text();
    expect(page).toMatch(/data-worker="orders" data-state="up">(?:(?!<\/tr>).)*all closed \(4\)/);
  });
});
