/**
 * The orders' fixtures, through the gateway's REST API: one customer with ample credit and 50
 * products with ample stock (orders use the 26th). The mesh is seeded over HTTP, the one-process
 * baseline through its gateway's `app.fetch`: the same calls either way.
 */
export type FetchLike = (request: Request) => Response | Promise<Response>;

async function call(send: FetchLike, url: string, method: string, body: unknown, headers: Record<string, string> = {}): Promise<any> {
  const res = await send(new Request(url, { method, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) }));
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} answered ${res.status}: ${text}`);
  return JSON.parse(text);
}

/** A customer with ample credit and a product with ample stock, through the gateway at `gatewayUrl`. */
export async function seedMesh(gatewayUrl: string, adminKey: string, send: FetchLike = fetch): Promise<{ productId: string; customerId: string }> {
  const admin = { authorization: `Bearer ${adminKey}` };
  const user = await call(send, `${gatewayUrl}/api/users`, "POST", { email: "bench@example.com", name: "Bench Customer" });
  await call(send, `${gatewayUrl}/api/customers/${user.id}/credit`, "PUT", { limitCents: 1_000_000_000_000_000 }, admin);
  let productId = "";
  for (let i = 0; i < 50; i++) {
    const product = await call(send, `${gatewayUrl}/api/products`, "POST", { sku: `MESH-${i}`, name: `Mesh product ${i}`, priceCents: 100, attributes: { i } }, admin);
    await call(send, `${gatewayUrl}/api/inventory/${product.id}`, "PUT", { onHand: 1_000_000_000 }, admin);
    if (i === 25) productId = product.id;
  }
  return { productId, customerId: user.id };
}

/** The body of every order the bench places: one line item, quantity 1. */
export function orderBody(seeded: { productId: string; customerId: string }): string {
  return JSON.stringify({ customerId: seeded.customerId, items: [{ productId: seeded.productId, quantity: 1 }] });
}
