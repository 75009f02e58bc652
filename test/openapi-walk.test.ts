/**
 * The OpenAPI document walked against a RUNNING gateway (every worker a real Bun process, a real
 * nats-server): fetches /openapi.json from the gateway, seeds a customer, product, stock, credit
 * and an order, then for every documented operation sends a valid request and a bad-input one and
 * checks each answer's status is documented and its body matches the documented schema.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ajv2020 } from "ajv/dist/2020";
import { stopAll } from "./support/processes";
import { startShopMesh, type TestMesh } from "./support/mesh";
import { restSamples } from "./support/rest-samples";

type Operation = { operationId: string; security?: unknown[]; responses: Record<string, { content?: { "application/json"?: { schema: unknown } } }> };
type Document = { paths: Record<string, Record<string, Operation>>; components: Record<string, unknown> };

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

/** The sample with its placeholder ids replaced by the seeded ones (in the path and the body). */
function filled(sample: { path: string; body?: unknown; query?: string }, ids: Record<string, string>) {
  const fill = (text: string) => text.replace(/\b(c1|p1|o1)\b/g, (id) => ids[id]!);
  const path = fill(sample.path) + (sample.query ? `?${sample.query}` : "");
  return { path, body: sample.body === undefined ? undefined : JSON.parse(fill(JSON.stringify(sample.body))) };
}

/** A request the operation must refuse as bad input: a path parameter too long, else a bad body or query. */
function badInput(documentedPath: string, sample: { path: string; body?: unknown; query?: string }) {
  if (documentedPath.includes("{")) return { path: sample.path.replace(/\b(c1|p1|o1)\b/, "x".repeat(65)), body: sample.body };
  if (sample.body !== undefined) return { path: sample.path, body: { unknownField: 1 } };
  if (sample.query !== undefined) return { path: `${sample.path}?limit=0`, body: undefined };
  return null;
}

/** Checks the answer's status is documented for the operation and its body validates against that status's schema. */
async function expectDocumented(ajv: Ajv2020, document: Document, operation: Operation, answer: Response, where: string) {
  const documented = operation.responses[String(answer.status)];
  expect(documented, `${where}: status ${answer.status} not among ${Object.keys(operation.responses)}`).toBeDefined();
  const schema = documented!.content?.["application/json"]?.schema;
  const body = await answer.json();
  if (schema === undefined) return;
  const validate = ajv.compile({ ...(schema as object), components: document.components });
  expect(validate(body), `${where}: ${JSON.stringify(validate.errors)} for ${JSON.stringify(body)}`).toBe(true);
}

describe("the documented routes against the running gateway", () => {
  it("answers every documented operation, valid and bad input, with a documented status and schema", async () => {
    const answer = await send("GET", "/openapi.json");
    expect(answer.status).toBe(200);
    const document = (await answer.json()) as Document;
    const ids = await seed();
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    let walked = 0;
    for (const [path, byMethod] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(byMethod)) {
        const sample = restSamples[operation.operationId.split("|")[0]!]!;
        const where = `${method.toUpperCase()} ${path}`;
        const valid = filled(sample, ids);
        await expectDocumented(ajv, document, operation, await send(method.toUpperCase(), valid.path, valid.body), `${where} (valid)`);
        const bad = badInput(path, sample);
        if (bad) {
          const refused = await send(method.toUpperCase(), bad.path, bad.body);
          expect(refused.status, `${where} (bad input)`).toBe(400);
          await expectDocumented(ajv, document, operation, refused, `${where} (bad input)`);
        }
        walked += 1;
      }
    }
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
