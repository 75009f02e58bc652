/**
 * API composition: reads that gather parts from several peers at once. Each part has its peer's
 * own deadline; a part that is not essential and fails is left null and named in `degraded`, so
 * the answer still comes (status 200). Only when the essential part is missing does it fail.
 */
import type { Logger } from "../../shared/core/logger";
import { DomainError } from "../../shared/core/errors";
import { fromPeer } from "./errors";
import type { GatewayContext, GatewayDeps } from "./deps";
import type { WorkerHealth } from "./outputs";
import { readModelCall } from "./consistency";

type Part<T> = { ok: true; value: T } | { ok: false; error: DomainError };

async function part<T>(peer: string, call: () => Promise<T>): Promise<Part<T>> {
  try {
    return { ok: true, value: await fromPeer(peer, call) };
  } catch (error) {
    return { ok: false, error: error instanceof DomainError ? error : new DomainError("INTERNAL", String(error)) };
  }
}

/** The value of an optional part, or null with the peer named in `degraded`. */
function optional<T, Peer extends string>(logger: Logger, peer: Peer, result: Part<T>, degraded: Peer[]): T | null {
  if (result.ok) return result.value;
  degraded.push(peer);
  logger.warn({ peer, code: result.error.code, reason: result.error.message }, `answering without ${peer}`);
  return null;
}

/** A product with its stock; without inventory, `stock: null` and `degraded: ["inventory"]`. `after`: catalog's `inStock` waits for that token. */
export async function productWithStock(deps: GatewayContext, productId: string, after?: string) {
  const [product, stock] = await Promise.all([
    part("catalog", () => deps.peers.catalog.get.query({ id: productId }, readModelCall(deps, after))),
    part("inventory", () => deps.peers.inventory.get.query({ productId })),
  ]);
  if (!product.ok) throw product.error;
  const degraded: "inventory"[] = [];
  return { ...product.value, stock: optional(deps.logger, "inventory", stock, degraded), degraded };
}

/** How many of a customer's orders the summary shows: the first page (the rest through the orders list and its cursor). */
const summaryOrders = 20;

/**
 * Who the customer is, the first page of their orders and their totals. Without users there is no
 * answer (503, or 404 when users says the customer does not exist); orders and reporting are
 * optional parts. The totals are reporting's per-customer running row (kept as each event
 * arrives), never a sum over the orders: the summary costs the same at 10 orders or 10,000.
 */
export async function customerSummary(deps: GatewayContext, customerId: string, after?: string) {
  const [customer, orders, stats] = await Promise.all([
    part("users", () => deps.peers.users.get.query({ id: customerId })),
    part("orders", () => deps.peers.orders.byCustomer.query({ customerId, limit: summaryOrders })),
    part("reporting", () => deps.peers.reporting.customer.query({ customerId }, readModelCall(deps, after))),
  ]);
  if (!customer.ok) throw customer.error;
  const degraded: ("orders" | "reporting")[] = [];
  return {
    customer: customer.value,
    orders: optional(deps.logger, "orders", orders, degraded),
    stats: optional(deps.logger, "reporting", stats, degraded),
    degraded,
  };
}

/**
 * A page of a customer's orders. An unknown customer is a 404 even though orders would answer an
 * empty page; if users cannot say, the orders are still the answer.
 */
export async function customerOrders(deps: GatewayDeps, input: { customerId: string; limit: number; cursor?: string | undefined }) {
  const [customer, orders] = await Promise.all([
    part("users", () => deps.peers.users.get.query({ id: input.customerId })),
    fromPeer("orders", () => deps.peers.orders.byCustomer.query(input)),
  ]);
  if (!customer.ok && customer.error.code === "NOT_FOUND") throw customer.error;
  return orders;
}

/**
 * Every peer's readiness, probed at once with a short deadline. Always answers: a worker that
 * is down or slow shows `ready: false` with the reason, and is named in `degraded`.
 */
export async function meshHealth(deps: GatewayDeps) {
  const probe = async (url: string): Promise<WorkerHealth> => {
    try {
      const response = await (deps.fetch ?? fetch)(`${url}/health/ready`, { signal: AbortSignal.timeout(deps.healthProbeTimeoutMs) });
      const body: unknown = await response.json().catch(() => ({}));
      const facts = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
      return { ...facts, ready: response.ok && facts["ready"] === true, url };
    } catch (error) {
      const reason = error instanceof Error && error.name === "TimeoutError" ? "timeout" : "unreachable";
      return { ready: false, url, error: reason };
    }
  };
  const entries = await Promise.all(deps.healthTargets.map(async ({ name, url }) => [name, await probe(url)] as const));
  const workers: Record<string, WorkerHealth> = Object.fromEntries(entries);
  const degraded = entries.filter(([, health]) => !health.ready).map(([name]) => name);
  return { ready: degraded.length === 0, workers, degraded };
}
