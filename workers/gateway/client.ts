/**
 * The typed client of the public API, for programs outside the mesh: the package's `bunmesh/client`
 * entry (`npm run build:client` makes its .js and .d.ts in dist/client). It imports the router only
 * as a type, so nothing of the server is loaded with it; the answers' types are the output schemas'.
 * Writes answer with a `consistencyToken`; a read of a read model given it (`consistencyToken` in
 * its input) answers only once that write shows. With a session (opt-in), the client does this
 * itself: it keeps the latest token the gateway answered with (the gateway merges each write's into
 * the one the request came with, so the latest covers the session's writes) and sends it with every
 * call, which gives read-your-writes without sticky sessions.
 *
 * @example
 *   const gateway = createGatewayClient("http://127.0.0.1:3000");
 *   const { order, consistencyToken } = await gateway.orders.place.mutate({ customerId, items: [{ productId, quantity: 1 }] });
 *   await gateway.reports.customer.query({ customerId, consistencyToken }); // shows the order
 *
 *   const session = createConsistencySession();
 *   const shop = createGatewayClient("http://127.0.0.1:3000", { session }); // every read waits for the session's writes
 */
import { createTRPCClient, httpLink, type TRPCClient } from "@trpc/client";
import { consistencyTokenHeader } from "../../shared/core/consistency-headers";
import type { GatewayRouter } from "./router";

export type GatewayClient = TRPCClient<GatewayRouter>;

/** A session's latest consistency token (undefined before its first write). */
export interface ConsistencySession {
  token: string | undefined;
}

export function createConsistencySession(): ConsistencySession {
  return { token: undefined };
}

export interface GatewayClientOptions {
  headers?: () => Record<string, string>;
  /** Carries the latest consistency token to the next calls (opt-in read-your-writes). */
  session?: ConsistencySession;
}

export function createGatewayClient(baseUrl: string, options: GatewayClientOptions = {}): GatewayClient {
  const { session } = options;
  const headers = () => ({ ...options.headers?.(), ...(session?.token ? { [consistencyTokenHeader]: session.token } : {}) });
  return createTRPCClient<GatewayRouter>({
    links: [httpLink({ url: `${baseUrl.replace(/\/$/, "")}/trpc`, headers, ...(session ? { fetch: sessionFetch(session) } : {}) })],
  });
}

/** fetch, keeping the token of each answer that has one. */
function sessionFetch(session: ConsistencySession) {
  return async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const response = await fetch(input, init);
    const token = response.headers.get(consistencyTokenHeader);
    if (token) session.token = token;
    return response;
  };
}
