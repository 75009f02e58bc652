/** The soak's shop: customers with ample credit and products with ample stock, through the gateway's REST API. */
export interface Shop {
  customerIds: string[];
  productIds: string[];
}

async function call(url: string, method: string, body: unknown, headers: Record<string, string> = {}): Promise<{ id: string }> {
  const res = await fetch(url, { method, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} answered ${res.status}: ${text}`);
  return JSON.parse(text);
}

export async function seedShop(gatewayUrl: string, adminKey: string, size = { customers: 20, products: 20 }): Promise<Shop> {
  const admin = { authorization: `Bearer ${adminKey}` };
  const shop: Shop = { customerIds: [], productIds: [] };
  for (let i = 0; i < size.customers; i++) {
    const user = await call(`${gatewayUrl}/api/users`, "POST", { email: `soak-${i}@example.com`, name: `Soak customer ${i}` });
    await call(`${gatewayUrl}/api/customers/${user.id}/credit`, "PUT", { limitCents: 1e15 }, admin);
    shop.customerIds.push(user.id);
  }
  for (let i = 0; i < size.products; i++) {
    const product = await call(`${gatewayUrl}/api/products`, "POST", { sku: `SOAK-${i}`, name: `Soak product ${i}`, priceCents: 100 + i }, admin);
    await call(`${gatewayUrl}/api/inventory/${product.id}`, "PUT", { onHand: 1_000_000_000 }, admin);
    shop.productIds.push(product.id);
  }
  return shop;
}
