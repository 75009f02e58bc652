/**
 * A program outside the mesh that knows only the REST API's document: its types are generated from
 * /openapi.json by openapi-typescript (schema.d.ts, `generate.ts` remakes it) and its calls are
 * openapi-fetch's, typed by them, so no code of the mesh is imported. It registers a customer,
 * creates a product (admin key), gives stock and credit, places an order and reads it back.
 *
 *   GATEWAY_URL=http://127.0.0.1:3000 ADMIN_API_KEY=… bun run examples/openapi-client/place-order.ts
 */
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type Order = components["schemas"]["OrderView"];
type ApiError = components["schemas"]["Error"];

/** The data of a successful answer; an error answer (its documented shape) becomes an Error naming its code. */
function ok<T>(what: string, answer: { data?: T; error?: ApiError; response: Response }): T {
  if (answer.data !== undefined) return answer.data;
  throw new Error(`${what}: ${answer.response.status} ${answer.error?.error.code ?? "?"}: ${answer.error?.error.message ?? "no body"}`);
}

export async function placeAndReadOrder(baseUrl: string, adminApiKey: string): Promise<{ placedStatus: number; order: Order }> {
  const api = createClient<paths>({ baseUrl });
  const admin = { Authorization: `Bearer ${adminApiKey}` };
  const stamp = Date.now();

  const customer = ok("register", await api.POST("/api/users", { body: { email: `openapi${stamp}@example.com`, name: "OpenAPI Client" } }));
  const product = ok("create product", await api.POST("/api/products", { body: { sku: `OPENAPI-${stamp}`, name: "Generated lamp", priceCents: 1250 }, headers: admin }));
  ok("set stock", await api.PUT("/api/inventory/{productId}", { params: { path: { productId: product.id } }, body: { onHand: 5 }, headers: admin }));
  ok("set credit", await api.PUT("/api/customers/{id}/credit", { params: { path: { id: customer.id } }, body: { limitCents: 10_000 }, headers: admin }));

  const placed = await api.POST("/api/orders", {
    params: { header: { "Idempotency-Key": `openapi-order-${stamp}` } },
    body: { customerId: customer.id, items: [{ productId: product.id, quantity: 2 }] },
  });
  // 201 once the saga has ended (CONFIRMED or REJECTED), 202 while it is PENDING: both typed.
  const { id } = ok("place order", placed);
  const order = ok("read order", await api.GET("/api/orders/{id}", { params: { path: { id } } }));
  return { placedStatus: placed.response.status, order };
}

if (import.meta.main) {
  const baseUrl = process.env["GATEWAY_URL"] ?? "http://127.0.0.1:3000";
  console.log(JSON.stringify(await placeAndReadOrder(baseUrl, process.env["ADMIN_API_KEY"] ?? "")));
}
