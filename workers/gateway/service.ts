/**
 * The public router's operations on one peer each (the REST API reaches them through the router).
 * Inputs are already checked with the owners' own schemas (their contract.ts); peer failures
 * become DomainErrors naming the peer. Reads that combine several peers live in compose.ts.
 */
import type { z } from "zod";
import { fromPeer } from "./errors";
import type { RegisterUserInput } from "../users/contract";
import type { CreateProductInput, SearchProductsInput, UpdateProductInput, listProductsInput } from "../catalog/contract";
import type { SetStockInput } from "../inventory/contract";
import type { SetCreditLimitInput } from "../payments/contract";
import type { PlaceOrderInput, listSagasInput } from "../orders/contract";
import type { GatewayPeers } from "./deps";

/**
 * A keyed write's Idempotency-Key travels both in its input (the owner dedupes by it) and as the
 * call's key, so the peer client retries the call after a lost connection.
 */
function keyedCall(key: string | undefined) {
  return key === undefined ? undefined : { context: { idempotencyKey: key } };
}

export function registerUser(peers: GatewayPeers, input: RegisterUserInput) {
  return fromPeer("users", () => peers.users.register.mutate(input, keyedCall(input.idempotencyKey)));
}

export function getUser(peers: GatewayPeers, id: string) {
  return fromPeer("users", () => peers.users.get.query({ id }));
}

export function createProduct(peers: GatewayPeers, input: CreateProductInput) {
  return fromPeer("catalog", () => peers.catalog.create.mutate(input, keyedCall(input.idempotencyKey)));
}

export function updateProduct(peers: GatewayPeers, input: UpdateProductInput) {
  return fromPeer("catalog", () => peers.catalog.update.mutate(input));
}

export function searchProducts(peers: GatewayPeers, input: SearchProductsInput) {
  return fromPeer("catalog", () => peers.catalog.search.query(input));
}

export function listProducts(peers: GatewayPeers, input: z.output<typeof listProductsInput>) {
  return fromPeer("catalog", () => peers.catalog.list.query(input));
}

/** Stock is kept only for products catalog knows: an unknown product is a 404, not a new row. */
export async function setStock(peers: GatewayPeers, input: SetStockInput) {
  await fromPeer("catalog", () => peers.catalog.get.query({ id: input.productId }));
  return fromPeer("inventory", () => peers.inventory.setStock.mutate(input));
}

export function getStock(peers: GatewayPeers, productId: string) {
  return fromPeer("inventory", () => peers.inventory.get.query({ productId }));
}

/** Credit is given only to customers users knows: an unknown one is a 404. */
export async function setCredit(peers: GatewayPeers, input: SetCreditLimitInput) {
  await fromPeer("users", () => peers.users.get.query({ id: input.customerId }));
  return fromPeer("payments", () => peers.payments.setCreditLimit.mutate(input));
}

export function getCredit(peers: GatewayPeers, customerId: string) {
  return fromPeer("payments", () => peers.payments.getAccount.query({ customerId }));
}

/** Places an order through orders' saga (keyed like the writes above); `completed: false` means still PENDING. */
export function placeOrder(peers: GatewayPeers, input: PlaceOrderInput, timeoutMs: number) {
  const context = { timeoutMs, ...keyedCall(input.idempotencyKey)?.context };
  return fromPeer("orders", () => peers.orders.place.mutate(input, { context }));
}

export function getOrder(peers: GatewayPeers, id: string) {
  return fromPeer("orders", () => peers.orders.get.query({ id }));
}

export function listSagas(peers: GatewayPeers, input: z.output<typeof listSagasInput>) {
  return fromPeer("orders", () => peers.orders.sagas.query(input));
}

/** Sales of CONFIRMED orders from reporting's read model; it may lag the orders by a moment (`asOf`). */
export function salesReport(peers: GatewayPeers) {
  return fromPeer("reporting", () => peers.reporting.sales.query());
}

/** A customer's stats from reporting's read model: zeros for a customer with no confirmed order yet. */
export function customerReport(peers: GatewayPeers, customerId: string) {
  return fromPeer("reporting", () => peers.reporting.customer.query({ customerId }));
}
