/**
 * orders' domain logic: place an order (validate with users and catalog, then write the order,
 * its line snapshots and its saga in one transaction), and read orders back.
 * The saga itself lives in saga.ts, its persistence in saga-store.ts.
 */
import { asc, desc, eq, inArray, ne, sql } from "drizzle-orm";
import { DomainError } from "../../shared/errors";
import { newId } from "../../shared/ids";
import { peerErrorOf } from "../../shared/peer-client";
import { currentCorrelationId } from "../../shared/request-scope";
import type { WorkerDb } from "../../shared/db";
import { enqueueEvent } from "../../shared/events/enqueue";
import { orderPlaced } from "./events";
import * as schema from "./schema";
import { orderLines, orders, outbox, sagaLog, sagas } from "./schema";
import type { OrderLineRow, OrderRow, PlaceOrderInput } from "./schema";
import type { OrdersContext, OrdersPeers } from "./deps";

import type { OrdersDb } from "./deps";
export type { OrdersDb };

export interface OrderLine {
  productId: string;
  name: string;
  unitPriceCents: number;
  quantity: number;
}

export interface Order {
  id: string;
  customerId: string;
  status: OrderRow["status"];
  lines: OrderLine[];
  totalCents: number;
  rejectionReason: string | null;
  correlationId: string;
  createdAt: string;
  updatedAt: string;
}

function toOrder(row: OrderRow, lines: OrderLineRow[]): Order {
  return {
    id: row.id,
    customerId: row.customerId,
    status: row.status,
    lines: lines.map((l) => ({ productId: l.productId, name: l.name, unitPriceCents: l.unitPriceCents, quantity: l.quantity })),
    totalCents: row.totalCents,
    rejectionReason: row.rejectionReason ?? null,
    correlationId: row.correlationId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

// Read at every saga step: prepared once per DB (Drizzle otherwise rebuilds and re-prepares the SQL per call).
const prepareOrderReads = (db: OrdersDb) => ({
  order: db.select().from(orders).where(eq(orders.id, sql.placeholder("id"))).prepare(),
  lines: db.select().from(orderLines).where(eq(orderLines.orderId, sql.placeholder("id"))).orderBy(asc(orderLines.lineNo)).prepare(),
});
const orderReads = new WeakMap<OrdersDb, ReturnType<typeof prepareOrderReads>>();

export function getOrder(db: OrdersDb, id: string): Order {
  let reads = orderReads.get(db);
  if (!reads) orderReads.set(db, (reads = prepareOrderReads(db)));
  const row = reads.order.get({ id }) as OrderRow | undefined;
  if (!row) throw new DomainError("NOT_FOUND", `order ${id} not found`, { id });
  return toOrder(row, reads.lines.all({ id }) as OrderLineRow[]);
}

/** A customer's orders, newest first (ids are time-ordered). */
export function ordersOfCustomer(db: OrdersDb, customerId: string): Order[] {
  const rows = db.select().from(orders).where(eq(orders.customerId, customerId)).orderBy(desc(orders.id)).all();
  if (rows.length === 0) return [];
  const lines = db
    .select()
    .from(orderLines)
    .where(inArray(orderLines.orderId, rows.map((r) => r.id)))
    .orderBy(asc(orderLines.lineNo))
    .all();
  return rows.map((row) => toOrder(row, lines.filter((l) => l.orderId === row.id)));
}

/** Same product twice in one order becomes one line with the quantities added. */
function mergeItems(items: PlaceOrderInput["items"]): PlaceOrderInput["items"] {
  const quantities = new Map<string, number>();
  for (const item of items) quantities.set(item.productId, (quantities.get(item.productId) ?? 0) + item.quantity);
  return [...quantities].map(([productId, quantity]) => ({ productId, quantity }));
}

/** What a keyed request asked for; a key reused for a different order is refused. */
function fingerprintOf(customerId: string, items: PlaceOrderInput["items"]): string {
  const sorted = [...items].sort((a, b) => a.productId.localeCompare(b.productId));
  return JSON.stringify({ customerId, items: sorted.map((i) => [i.productId, i.quantity]) });
}

/**
 * Asks users and catalog (one batch call) whether the customer and every product exist, and
 * takes the snapshot of each product's name and price. Nothing is written here.
 */
async function validateOrder(peers: OrdersPeers, customerId: string, items: PlaceOrderInput["items"]): Promise<OrderLine[]> {
  const productIds = items.map((i) => i.productId);
  const [customer, catalog] = await Promise.allSettled([
    peers.users.get.query({ id: customerId }),
    peers.catalog.getMany.query({ ids: productIds }),
  ]);
  if (customer.status === "rejected") {
    const error = peerErrorOf(customer.reason, "users");
    if (error.code === "NOT_FOUND") throw new DomainError("NOT_FOUND", `customer ${customerId} not found`, { customerId });
    throw error;
  }
  if (catalog.status === "rejected") throw peerErrorOf(catalog.reason, "catalog");
  const { products, missing } = catalog.value;
  const known = new Map(products.map((p) => [p.id, p]));
  const unknown = [...new Set([...missing, ...productIds.filter((id) => !known.has(id))])];
  if (unknown.length > 0) {
    const noun = unknown.length === 1 ? "product" : "products";
    throw new DomainError("NOT_FOUND", `${noun} ${unknown.join(", ")} not found`, { productIds: unknown });
  }
  return items.map((item) => {
    const product = known.get(item.productId)!;
    return { productId: item.productId, name: product.name, unitPriceCents: product.priceCents, quantity: item.quantity };
  });
}

function orderIdByKey(db: OrdersDb, key: string): Pick<OrderRow, "id" | "requestFingerprint"> | undefined {
  return db.select({ id: orders.id, requestFingerprint: orders.requestFingerprint }).from(orders).where(eq(orders.idempotencyKey, key)).get();
}

function isKeyTaken(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (/UNIQUE constraint failed: orders\.idempotency_key/.test(e.message)) return true;
  }
  return false;
}

/** Writes the order PENDING, its snapshot lines, its saga and orders.order.placed together. */
function writeOrder(
  db: OrdersDb,
  input: { customerId: string; lines: OrderLine[]; key?: string | undefined; fingerprint: string },
  now: Date,
  deadlineMs: number,
): string {
  const id = newId();
  const at = now.toISOString();
  const totalCents = input.lines.reduce((sum, l) => sum + l.unitPriceCents * l.quantity, 0);
  const correlationId = currentCorrelationId();
  db.transaction(
    (tx) => {
      tx.insert(orders)
        .values({
          id,
          customerId: input.customerId,
          status: "PENDING",
          totalCents,
          rejectionReason: null,
          correlationId,
          idempotencyKey: input.key ?? null,
          requestFingerprint: input.key ? input.fingerprint : null,
          createdAt: at,
          updatedAt: at,
        })
        .run();
      tx.insert(orderLines)
        .values(input.lines.map((line, lineNo) => ({ orderId: id, lineNo, ...line })))
        .run();
      const ms = now.getTime();
      const timing = { deadlineAt: ms + deadlineMs, nextAttemptAt: ms, createdAt: ms, updatedAt: ms };
      tx.insert(sagas).values({ orderId: id, state: "STARTED", step: "reserve", attempts: 0, ...timing }).run();
      tx.insert(sagaLog).values({ orderId: id, step: "place", outcome: "ok", detail: null, at: ms }).run();
      const placed = { orderId: id, customerId: input.customerId, lines: input.lines, totalCents, placedAt: at };
      enqueueEvent(tx, outbox, orderPlaced, placed, { aggregateId: id, now });
    },
    { behavior: "immediate" },
  );
  return id;
}

export interface PlacedOrder {
  order: Order;
  /** False when the saga had not ended within the wait budget: the order is still PENDING. */
  completed: boolean;
}

/**
 * Places an order and waits (up to the wait budget) for its saga to end. With an idempotency
 * key, a repeat — concurrent or later — answers with the first order and places nothing.
 */
export async function placeOrder(deps: OrdersContext, input: PlaceOrderInput): Promise<PlacedOrder> {
  const items = mergeItems(input.items);
  const fingerprint = fingerprintOf(input.customerId, items);
  const key = input.idempotencyKey;

  const answer = async (id: string): Promise<PlacedOrder> => {
    const completed = await deps.sagas.waitForEnd(id, deps.orderWaitMs);
    return { order: getOrder(deps.db, id), completed };
  };
  const repeat = (existing: Pick<OrderRow, "id" | "requestFingerprint">) => {
    if (existing.requestFingerprint !== fingerprint) {
      throw new DomainError("CONFLICT", `idempotency key ${key} was already used for another order`, { idempotencyKey: key, orderId: existing.id });
    }
    return answer(existing.id);
  };

  const earlier = key ? orderIdByKey(deps.db, key) : undefined;
  if (earlier) return repeat(earlier);

  const lines = await validateOrder(deps.peers, input.customerId, items);

  let orderId: string;
  try {
    // A concurrent repeat may have written the keyed order while we validated: look again.
    const written = key ? orderIdByKey(deps.db, key) : undefined;
    if (written) return repeat(written);
    orderId = writeOrder(deps.db, { customerId: input.customerId, lines, key, fingerprint }, deps.now(), deps.saga.deadlineMs);
  } catch (error) {
    const existing = key && isKeyTaken(error) ? orderIdByKey(deps.db, key) : undefined;
    if (existing) return repeat(existing);
    throw error;
  }
  void deps.sagas.run(orderId);
  return answer(orderId);
}

export interface UnfinishedSaga {
  orderId: string;
  state: string;
  step: string | null;
  attempts: number;
  lastError: string | null;
  deadlineAt: string;
}

/**
 * Every order with its lines and every saga not yet DONE, read in one transaction (one
 * snapshot): for the mesh's invariant checker. `now` lets it judge deadlines by orders' clock.
 */
export function auditOrders(db: OrdersDb, now: Date): { now: string; orders: Order[]; unfinishedSagas: UnfinishedSaga[] } {
  return db.transaction((tx) => {
    const rows = tx.select().from(orders).orderBy(asc(orders.id)).all();
    const lines = tx.select().from(orderLines).orderBy(asc(orderLines.orderId), asc(orderLines.lineNo)).all();
    const linesByOrder = new Map<string, OrderLineRow[]>();
    for (const line of lines) linesByOrder.set(line.orderId, [...(linesByOrder.get(line.orderId) ?? []), line]);
    const unfinished = tx.select().from(sagas).where(ne(sagas.state, "DONE")).orderBy(asc(sagas.orderId)).all();
    return {
      now: now.toISOString(),
      orders: rows.map((row) => toOrder(row, linesByOrder.get(row.id) ?? [])),
      unfinishedSagas: unfinished.map((saga) => ({
        orderId: saga.orderId,
        state: saga.state,
        step: saga.step ?? null,
        attempts: saga.attempts,
        lastError: saga.lastError ?? null,
        deadlineAt: new Date(saga.deadlineAt).toISOString(),
      })),
    };
  });
}
