/**
 * orders' domain logic: place an order (validate against its copies of users' customers and
 * catalog's products, asking those peers only for what the copies lack, then write the order,
 * its line snapshots and its saga in one transaction). Reads are in store.ts, the saga in saga.ts.
 */
import { DomainError } from "../../shared/core/errors";
import { newId } from "../../shared/core/ids";
import { keyedWrite, rememberKey, resourceOfKey, type KeyedWrite } from "../../shared/db/idempotency";
import { peerErrorOf } from "../../shared/rpc/peer-client";
import { currentCorrelationId } from "../../shared/core/request-scope";
import { enqueueEvent } from "../../shared/events/enqueue";
import { orderPlaced } from "./events";
import { changeTimeOf, readCopies, rememberAnswers, type CopiedProduct, type CustomerCopy } from "./copies";
import { idempotencyKeys, outbox, type PlaceOrderInput } from "./schema";
import type { PlacedOrder } from "./contract";
import { getOrder, type Order, type OrderLine, type OrdersStore } from "./store";
import type { OrdersContext, OrdersPeers } from "./deps";

/** Same product twice in one order becomes one line with the quantities added. */
function mergeItems(items: PlaceOrderInput["items"]): PlaceOrderInput["items"] {
  const quantities = new Map<string, number>();
  for (const item of items) quantities.set(item.productId, (quantities.get(item.productId) ?? 0) + item.quantity);
  return [...quantities].map(([productId, quantity]) => ({ productId, quantity }));
}

type Validation = Pick<OrdersContext, "db" | "peers">;
type CatalogAnswer = Awaited<ReturnType<OrdersPeers["catalog"]["getMany"]["query"]>>;

/** Asks users only for a customer not copied, catalog only for the products not copied; refuses an unknown customer first. */
async function askPeers(peers: OrdersPeers, customerId: string | undefined, productIds: string[]): Promise<{ customer?: CustomerCopy; catalog?: CatalogAnswer }> {
  const [customer, catalog] = await Promise.allSettled([
    customerId === undefined ? undefined : peers.users.get.query({ id: customerId }),
    productIds.length === 0 ? undefined : peers.catalog.getMany.query({ ids: productIds }),
  ]);
  if (customer.status === "rejected") {
    const error = peerErrorOf(customer.reason, "users");
    if (error.code === "NOT_FOUND") throw new DomainError("NOT_FOUND", `customer ${customerId} not found`, { customerId });
    throw error;
  }
  if (catalog.status === "rejected") throw peerErrorOf(catalog.reason, "catalog");
  const user = customer.value;
  return { ...(user ? { customer: { id: user.id, sequence: null } } : {}), ...(catalog.value ? { catalog: catalog.value } : {}) };
}

/**
 * Checks the customer and every product against orders' copies (copies.ts) and takes the snapshot
 * of each product's name and price from them. Only what the copies lack is asked of users and
 * catalog (a customer registered a moment ago, a product just created); their answers are
 * written into the copies, which later events still override.
 */
export async function validateOrder(deps: Validation, customerId: string, items: PlaceOrderInput["items"]): Promise<OrderLine[]> {
  const productIds = items.map((i) => i.productId);
  const copied = readCopies(deps.db, customerId, productIds);
  const uncopied = productIds.filter((id) => !copied.products.has(id));
  if (copied.customer && uncopied.length === 0) return linesOf(items, copied.products);
  const answered = await askPeers(deps.peers, copied.customer ? undefined : customerId, uncopied);
  const found = answered.catalog?.products ?? [];
  const products = found.map((p) => ({ id: p.id, name: p.name, priceCents: p.priceCents, changedAt: changeTimeOf(p.updatedAt), sequence: null }));
  rememberAnswers(deps.db, { ...(answered.customer ? { customer: answered.customer } : {}), products });
  for (const product of products) copied.products.set(product.id, product);
  const unknown = [...new Set([...(answered.catalog?.missing ?? []), ...productIds.filter((id) => !copied.products.has(id))])];
  if (unknown.length > 0) {
    const noun = unknown.length === 1 ? "product" : "products";
    throw new DomainError("NOT_FOUND", `${noun} ${unknown.join(", ")} not found`, { productIds: unknown });
  }
  return linesOf(items, copied.products);
}

function linesOf(items: PlaceOrderInput["items"], products: Map<string, CopiedProduct>): OrderLine[] {
  return items.map((item) => {
    const product = products.get(item.productId)!;
    return { productId: item.productId, name: product.name, unitPriceCents: product.priceCents, quantity: item.quantity };
  });
}

/**
 * Writes the order PENDING, its snapshot lines, its saga and orders.order.placed together
 * (prepared statements), remembers its key, and answers the order placed; or, when the key was
 * remembered meanwhile (a concurrent repeat placed it while this one was validating), writes
 * nothing and answers with that order's id.
 */
function writeOrder(store: OrdersStore, input: { customerId: string; lines: OrderLine[]; keyed: KeyedWrite | undefined }, now: Date, deadlineMs: number) {
  const { customerId, lines, keyed } = input;
  const id = newId();
  const at = now.toISOString();
  const ms = now.getTime();
  const totalCents = lines.reduce((sum, l) => sum + l.unitPriceCents * l.quantity, 0);
  const correlationId = currentCorrelationId();
  const order: Order = { id, customerId, status: "PENDING", lines, totalCents, rejectionReason: null, correlationId, createdAt: at, updatedAt: at };
  return store.db.transaction(
    (tx) => {
      const earlier = keyed && resourceOfKey(tx, idempotencyKeys, keyed);
      if (earlier) return { id: earlier, placed: undefined };
      // The key first: the expand step's trigger then leaves it as it is (migrations/orders/0002).
      if (keyed) rememberKey(tx, idempotencyKeys, keyed, id, now);
      store.insertOrder.run({
        id,
        customerId,
        status: "PENDING",
        totalCents,
        correlationId,
        idempotencyKey: keyed?.key ?? null,
        requestFingerprint: keyed?.fingerprint ?? null,
        createdAt: at,
        updatedAt: at,
      });
      for (const [lineNo, line] of lines.entries()) store.insertLine.run({ orderId: id, lineNo, ...line });
      store.insertSaga.run({ orderId: id, deadlineAt: ms + deadlineMs, at: ms });
      store.appendLog.run({ orderId: id, step: "place", outcome: "ok", detail: null, at: ms });
      enqueueEvent(tx, outbox, orderPlaced, { orderId: id, customerId, lines, totalCents, placedAt: at }, { aggregateId: id, now });
      return { id, placed: order };
    },
    { behavior: "immediate" },
  );
}

export type { PlacedOrder };

/**
 * Places an order and waits (up to the wait budget) for its saga to end. With an idempotency
 * key, a repeat — concurrent or later — answers with the first order and places nothing; the
 * key sent with a different order is refused (CONFLICT).
 */
export async function placeOrder(deps: OrdersContext, input: PlaceOrderInput): Promise<PlacedOrder> {
  const items = mergeItems(input.items);
  const sorted = [...items].sort((a, b) => a.productId.localeCompare(b.productId));
  const keyed = keyedWrite(input.idempotencyKey, { customerId: input.customerId, items: sorted }, "order");
  const answer = async (id: string): Promise<PlacedOrder> => {
    const completed = await deps.sagas.waitForEnd(id, deps.orderWaitMs);
    return { order: getOrder(deps.store, id), completed };
  };

  const earlier = keyed && resourceOfKey(deps.db, idempotencyKeys, keyed);
  if (earlier) return answer(earlier);
  const lines = await validateOrder(deps, input.customerId, items);
  const written = writeOrder(deps.store, { customerId: input.customerId, lines, keyed }, deps.now(), deps.saga.deadlineMs);
  // The saga starts from the order just written (no need to read it back).
  if (written.placed) void deps.sagas.run(written.id, { order: written.placed });
  return answer(written.id);
}
