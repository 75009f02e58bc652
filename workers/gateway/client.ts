/**
 * The typed client of the public API, for programs outside the mesh: the package's `bunmesh/client`
 * entry (`npm run build:client` makes its .js and .d.ts in dist/client). It imports the router only
 * as a type, so nothing of the server is loaded with it; the answers' types are the output schemas'.
 *
 * @example
 *   const gateway = createGatewayClient("http://127.0.0.1:3000");
 *   const { order } = await gateway.orders.place.mutate({ customerId, items: [{ productId, quantity: 1 }] });
 */
import { createTRPCClient, httpLink, type TRPCClient } from "@trpc/client";
import type { GatewayRouter } from "./router";

export type GatewayClient = TRPCClient<GatewayRouter>;

export function createGatewayClient(baseUrl: string, options: { headers?: () => Record<string, string> } = {}): GatewayClient {
  return createTRPCClient<GatewayRouter>({
    links: [httpLink({ url: `${baseUrl.replace(/\/$/, "")}/trpc`, headers: () => options.headers?.() ?? {} })],
  });
}
