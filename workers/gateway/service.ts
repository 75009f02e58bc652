/**
 * The public router's operations on one peer each (the REST API reaches them through the router).
 * Inputs are already checked with the owners' own schemas (their contract.ts); peer failures
 * become DomainErrors naming the peer. Reads that combine several peers live in compose.ts.
 */
import type { z } from "zod";
import { DomainError } from "../../shared/core/errors";
import { newId } from "../../shared/core/ids";
import { PeerUnavailableError } from "../../shared/rpc/peer-client";
import { fromPeer } from "./errors";
import type { RegisterUserInput } from "../users/contract";
import type { CreateProductInput, SearchProductsInput, UpdateProductInput, listProductsInput } from "../catalog/contract";
import type { salesReportInput } from "../reporting/contract";
import type { SetStockInput } from "../inventory/contract";
import type { SetCreditLimitInput } from "../payments/contract";
import type { PlaceOrderInput, listSagasInput } from "../orders/contract";
import type { GatewayPeers } from "./deps";
import type { readModelCall } from "./consistency";

type ReadModelCall = ReturnType<typeof readModelCall>;

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

/** `call`: the options of a read that waits for a consistency token (consistency.ts), as for every read of a read model here. */
export function searchProducts(peers: GatewayPeers, input: SearchProductsInput, call?: ReadModelCall) {
  return fromPeer("catalog", () => peers.catalog.search.query(input, call));
}

export function listProducts(peers: GatewayPeers, input: z.output<typeof listProductsInput>, call?: ReadModelCall) {
  return fromPeer("catalog", () => peers.catalog.list.query(input, call));
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

/** Backoff of the gateway's own tries of `orders.place` while orders is unavailable: short, doubling, capped. */
const placeRetry = { baseMs: 50, maxMs: 1_000 } as const;

/** orders itself could not answer (down, restarting, too slow, breaker open) — not orders answering that one of its peers is down. */
function ordersUnavailable(error: DomainError): boolean {
  const peer = error.details?.["peer"];
  return error.code === "PEER_UNAVAILABLE" && (peer === undefined || peer === "orders");
}

/**
 * Places an order through orders' saga; `completed: false` means still PENDING. Keyed like the
 * writes above, with a key the gateway makes (uuid v7) when the caller sent none: while orders is
 * unavailable the gateway tries again with that same key, with a short backoff, until its own
 * deadline (`timeoutMs`, from the first try), so a try that placed the order before its answer was
 * lost is found by the next one instead of placing a second order. 503 once the deadline passes.
 */
export async function placeOrder(peers: GatewayPeers, input: PlaceOrderInput, timeoutMs: number) {
  const keyed = { ...input, idempotencyKey: input.idempotencyKey ?? newId() };
  const endsAt = Date.now() + timeoutMs;
  // Every try is cut off at the deadline; each keeps the one per-call deadline (a constant, so
  // the peer client builds its policies once), the signal ends the last try on time.
  const signal = AbortSignal.timeout(timeoutMs);
  const options = { context: { timeoutMs, idempotencyKey: keyed.idempotencyKey }, signal };
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await fromPeer("orders", () => peers.orders.place.mutate(keyed, options));
    } catch (error) {
      if (signal.aborted) throw new PeerUnavailableError("orders", "timeout", { cause: error });
      if (!(error instanceof DomainError) || !ordersUnavailable(error)) throw error;
      const delay = Math.min(placeRetry.maxMs, placeRetry.baseMs * 2 ** attempt);
      if (Date.now() + delay >= endsAt) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

export function getOrder(peers: GatewayPeers, id: string) {
  return fromPeer("orders", () => peers.orders.get.query({ id }));
}

export function listSagas(peers: GatewayPeers, input: z.output<typeof listSagasInput>) {
  return fromPeer("orders", () => peers.orders.sagas.query(input));
}

/** Sales of CONFIRMED orders from reporting's read model; it may lag the orders by a moment (`asOf`). */
export function salesReport(peers: GatewayPeers, page: z.output<typeof salesReportInput>, call?: ReadModelCall) {
  return fromPeer("reporting", () => peers.reporting.sales.query(page, call));
}

/** A customer's stats from reporting's read model: zeros for a customer with no confirmed order yet. */
export function customerReport(peers: GatewayPeers, customerId: string, call?: ReadModelCall) {
  return fromPeer("reporting", () => peers.reporting.customer.query({ customerId }, call));
}
