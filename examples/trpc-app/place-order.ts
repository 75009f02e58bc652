/**
 * A separate app on the mesh's typed tRPC client, depending on the package as any app would
 * (`"bunmesh": "file:../.."`, or a git URL) and importing only its `bunmesh/client` entry: the
 * answers' types come with it, and nothing of the server is loaded at run time. It registers a
 * customer, creates a product (admin key), gives stock and credit, places an order and reads it.
 *
 *   GATEWAY_URL=http://127.0.0.1:3000 ADMIN_API_KEY=… bun run examples/trpc-app/place-order.ts
 */
import { createGatewayClient, type GatewayClient } from "bunmesh/client";

type Placed = Awaited<ReturnType<GatewayClient["orders"]["place"]["mutate"]>>;
type Read = Awaited<ReturnType<GatewayClient["orders"]["get"]["query"]>>;

export async function placeAndReadOrder(baseUrl: string, adminApiKey: string): Promise<{ placed: Placed; read: Read }> {
  const gateway = createGatewayClient(baseUrl, { headers: () => ({ authorization: `Bearer ${adminApiKey}` }) });
  const stamp = Date.now();
  const customer = await gateway.users.register.mutate({ email: `trpc-app${stamp}@example.com`, name: "tRPC App" });
  const product = await gateway.products.create.mutate({ sku: `TRPC-APP-${stamp}`, name: "Typed kettle", priceCents: 2500 });
  await gateway.inventory.set.mutate({ productId: product.id, onHand: 5 });
  await gateway.credit.set.mutate({ customerId: customer.id, limitCents: 10_000 });
  const placed = await gateway.orders.place.mutate({ customerId: customer.id, items: [{ productId: product.id, quantity: 2 }], idempotencyKey: `trpc-app-${stamp}` });
  const read = await gateway.orders.get.query({ id: placed.order.id });
  return { placed, read };
}

if (import.meta.main) {
  const baseUrl = process.env["GATEWAY_URL"] ?? "http://127.0.0.1:3000";
  console.log(JSON.stringify(await placeAndReadOrder(baseUrl, process.env["ADMIN_API_KEY"] ?? "")));
}
