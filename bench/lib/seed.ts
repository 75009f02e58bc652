/**
 * The orders' fixtures, through the gateway's REST API: customers with ample credit and products
 * with ample stock, a few requests in flight at once. The mesh is seeded over HTTP, the
 * one-process baseline through its gateway's `app.fetch`: the same calls either way.
 */
export type FetchLike = (request: Request) => Response | Promise<Response>;

export interface Fixtures {
  customerIds: string[];
  productIds: string[];
}

async function call(send: FetchLike, url: string, method: string, body: unknown, headers: Record<string, string> = {}): Promise<any> {
  const res = await send(new Request(url, { method, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) }));
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} answered ${res.status}: ${text}`);
  return JSON.parse(text);
}

/** `make(i)` for i in 0..count-1, `inFlight` at a time, results in index order. */
async function inPool<T>(count: number, inFlight: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await make(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
  return results;
}

/** `counts.customers` customers with ample credit and `counts.products` products with ample stock, through the gateway at `gatewayUrl`. */
export async function seedMesh(
  gatewayUrl: string,
  adminKey: string,
  counts: { customers: number; products: number } = { customers: 1, products: 50 },
  send: FetchLike = fetch,
): Promise<Fixtures & { productId: string; customerId: string }> {
  const admin = { authorization: `Bearer ${adminKey}` };
  const customerIds = await inPool(counts.customers, 8, async (i) => {
    const user = await call(send, `${gatewayUrl}/api/users`, "POST", { email: `bench-${i}@example.com`, name: `Bench Customer ${i}` });
    await call(send, `${gatewayUrl}/api/customers/${user.id}/credit`, "PUT", { limitCents: 1_000_000_000_000_000 }, admin);
    return user.id as string;
  });
  const productIds = await inPool(counts.products, 8, async (i) => {
    const product = await call(send, `${gatewayUrl}/api/products`, "POST", { sku: `MESH-${i}`, name: `Mesh product ${i}`, priceCents: 100, attributes: { i } }, admin);
    await call(send, `${gatewayUrl}/api/inventory/${product.id}`, "PUT", { onHand: 1_000_000_000 }, admin);
    return product.id as string;
  });
  return { customerIds, productIds, customerId: customerIds[0]!, productId: productIds[Math.min(25, productIds.length - 1)]! };
}

/** One order of one line item, quantity 1 (autocannon's fixed body: the first customer, the representative product). */
export function orderBody(seeded: { productId: string; customerId: string }): string {
  return JSON.stringify({ customerId: seeded.customerId, items: [{ productId: seeded.productId, quantity: 1 }] });
}

/**
 * A new body per request: customer and product picked by a PRNG of fixed seed (mulberry32), so
 * every side sees the same mix in the same order of sends.
 */
export function orderMix(fixtures: Fixtures, seed = 22): () => string {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => {
    const customerId = fixtures.customerIds[Math.floor(next() * fixtures.customerIds.length)]!;
    const productId = fixtures.productIds[Math.floor(next() * fixtures.productIds.length)]!;
    return JSON.stringify({ customerId, items: [{ productId, quantity: 1 }] });
  };
}
