/** The gateway's part of cancelling an order: forwards to orders' `cancel` (orders owns the key and the state); the REST row answers 202 with the order's location. */
import { fromPeer } from "./errors";
import type { CancelOrderInput } from "../orders/contract";
import type { GatewayPeers } from "./deps";

/** Keyed like the other writes: the key in the input (orders dedupes by it) and as the call's key, so a lost connection is retried. */
export function cancelOrder(peers: GatewayPeers, input: CancelOrderInput) {
  const options = input.idempotencyKey === undefined ? undefined : { context: { idempotencyKey: input.idempotencyKey } };
  return fromPeer("orders", () => peers.orders.cancel.mutate(input, options));
}
