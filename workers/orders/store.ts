/**
 * orders.db below the service and the saga: the order reads, and how the saga persists itself
 * (its row updated and its log appended in one transaction; an order's end committed together
 * with its event), plus the operators' view of sagas.
 */
import { and, asc, desc, eq, sql, type SQL } from "drizzle-orm";
import type { WorkerDb, WorkerTx } from "../../shared/db/db";
import { DomainError } from "../../shared/core/errors";
import { cursorOf, keysetBefore, pageOf, type Page } from "../../shared/db/paging";
import { enqueueEvent } from "../../shared/events/enqueue";
import { orderConfirmed, orderRejected } from "./events";
import type * as schema from "./schema";
import { orderLines, orders, outbox, sagaLog, sagas, type OrderLineRow, type OrderRow, type RejectionReason, type SagaRow, type SagaState } from "./schema";

import type { Order, OrderLine, SagaView } from "./contract";
export type OrdersDb = WorkerDb<typeof schema>;
type OrdersTx = WorkerTx<typeof schema>;

const ph = sql.placeholder;

/**
 * Every statement of the order path (placing, each saga step, the order's end), prepared once
 * when the worker is built: no SQL is built per call (building and preparing them per call was
 * ~20% of the orders worker's CPU under load, bench/FINDINGS.md). Prepared statements of `db`
 * also run inside its transactions: one connection, synchronous.
 */
export function createOrdersStore(db: OrdersDb) {
  return {
    db,
    orderById: db
      .select()
      .from(orders)
      .where(eq(orders.id, ph("id")))
      .prepare(),
    linesOf: db
      .select()
      .from(orderLines)
      .where(eq(orderLines.orderId, ph("id")))
      .orderBy(asc(orderLines.lineNo))
      .prepare(),
    sagaOf: db
      .select()
      .from(sagas)
      .where(eq(sagas.orderId, ph("orderId")))
      .prepare(),
    appendLog: db
      .insert(sagaLog)
      .values({ orderId: ph("orderId"), step: ph("step"), outcome: ph("outcome"), detail: ph("detail"), at: ph("at") })
      .prepare(),
    ...orderWrites(db),
  };
}

/** The writes of placing an order and of its saga (whole rows: no statement shape depends on what changed). */
function orderWrites(db: OrdersDb) {
  const orderColumns = ["id", "customerId", "status", "totalCents", "correlationId", "idempotencyKey", "requestFingerprint", "createdAt", "updatedAt"] as const;
  const lineColumns = ["orderId", "lineNo", "productId", "name", "unitPriceCents", "quantity"] as const;
  const sagaColumns = ["state", "step", "rejectionReason", "attempts", "lastError", "nextAttemptAt", "updatedAt"] as const;
  const placeholders = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, ph(k)])) as unknown as Record<K, ReturnType<typeof ph>>;
  // An update's SET takes a placeholder as SQL (bound as given: these columns need no mapping).
  const bound = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, sql`${ph(k)}`])) as unknown as Record<K, SQL>;
  return {
    insertOrder: db.insert(orders).values(placeholders(orderColumns)).prepare(),
    insertLine: db.insert(orderLines).values(placeholders(lineColumns)).prepare(),
    insertSaga: db
      .insert(sagas)
      .values({
        orderId: ph("orderId"),
        state: "STARTED",
        step: "reserve",
        attempts: 0,
        deadlineAt: ph("deadlineAt"),
        nextAttemptAt: ph("at"),
        createdAt: ph("at"),
        updatedAt: ph("at"),
      })
      .prepare(),
    // compensations (a JSON column) is bound as the JSON text (or null) the caller wrote.
    saveSaga: db
      .update(sagas)
      .set(bound([...sagaColumns, "compensations"]))
      .where(eq(sagas.orderId, ph("orderId")))
      .prepare(),
    endOrder: db
      .update(orders)
      .set(bound(["status", "rejectionReason", "updatedAt"]))
      .where(eq(orders.id, ph("id")))
      .prepare(),
  };
}
export type OrdersStore = ReturnType<typeof createOrdersStore>;

/** An order and its lines as procedures answer them: the schemas of contract.ts. */
export type { Order, OrderLine };

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

/** The order's status, or undefined when there is no such order. */
export function orderStatus(store: OrdersStore, id: string): OrderRow["status"] | undefined {
  return (store.orderById.get({ id }) as OrderRow | undefined)?.status;
}

export function getOrder(store: OrdersStore, id: string): Order {
  const row = store.orderById.get({ id }) as OrderRow | undefined;
  if (!row) throw new DomainError("NOT_FOUND", `order ${id} not found`, { id });
  return toOrder(row, store.linesOf.all({ id }) as OrderLineRow[]);
}

/**
 * A page of a customer's orders, newest first (ids are time-ordered; index orders_customer). The
 * page's lines come in one statement whose text does not depend on the page's size (its ids as one
 * JSON parameter), in order id then line order, grouped in one pass.
 */
export function ordersOfCustomer(store: OrdersStore, input: { customerId: string; limit: number; cursor?: string | undefined }): Page<Order> {
  const { db } = store;
  const rows = db
    .select()
    .from(orders)
    .where(and(eq(orders.customerId, input.customerId), keysetBefore([orders.id], cursorOf(input.cursor))))
    .orderBy(desc(orders.id))
    .limit(input.limit + 1)
    .all();
  const page = pageOf(rows, input.limit, (row) => [row.id]);
  const linesByOrder = linesOfOrders(
    db,
    page.items.map((row) => row.id),
  );
  return { items: page.items.map((row) => toOrder(row, linesByOrder.get(row.id) ?? [])), nextCursor: page.nextCursor };
}

/** The lines of these orders, by order: one statement for any number of ids (json_each of one parameter). */
function linesOfOrders(db: OrdersDb, ids: string[]): Map<string, OrderLineRow[]> {
  const byOrder = new Map<string, OrderLineRow[]>();
  if (ids.length === 0) return byOrder;
  const lines = db
    .select()
    .from(orderLines)
    .where(sql`${orderLines.orderId} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`)
    .orderBy(asc(orderLines.orderId), asc(orderLines.lineNo))
    .all();
  for (const line of lines) {
    const group = byOrder.get(line.orderId);
    if (group) group.push(line);
    else byOrder.set(line.orderId, [line]);
  }
  return byOrder;
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
export function auditOrders(store: OrdersStore, now: Date, cancellationsOf: (tx: OrdersTx) => AuditedCancellation[] = () => []) {
  return store.db.transaction((tx) => {
    const rows = tx.select().from(orders).orderBy(asc(orders.id)).all();
    const lines = tx.select().from(orderLines).orderBy(asc(orderLines.orderId), asc(orderLines.lineNo)).all();
    const linesByOrder = new Map<string, OrderLineRow[]>();
    for (const line of lines) linesByOrder.set(line.orderId, [...(linesByOrder.get(line.orderId) ?? []), line]);
    // 'DONE' as a literal, not a bound parameter, and no ORDER BY, so SQLite reads the partial index of
    // unfinished sagas (few) instead of every saga in key order; they are sorted here.
    const unfinished = tx
      .select()
      .from(sagas)
      .where(sql`${sagas.state} != 'DONE'`)
      .all()
      .sort((a, b) => (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0));
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
      cancellations: cancellationsOf(tx),
    };
  });
}

/** A cancellation as the checker sees it (cancel.ts reads them): stuck when still open past the setting. */
export interface AuditedCancellation {
  orderId: string;
  requestedAt: string;
  capturedCents: number;
  refundedCents: number | null;
  stuckReason: string | null;
}

export interface SagaLogEntry {
  step: string;
  /** ok | out_of_stock | declined | failed | skipped | passed ("started": the previous release's logs) */
  outcome: string;
  detail?: string | null;
}

export function loadSaga(store: OrdersStore, orderId: string): SagaRow | undefined {
  return store.sagaOf.get({ orderId }) as SagaRow | undefined;
}

function appendLogs(store: OrdersStore, orderId: string, logs: readonly SagaLogEntry[], at: number): void {
  for (const log of logs) store.appendLog.run({ orderId, step: log.step, outcome: log.outcome, detail: log.detail ?? null, at });
}

/** Writes the whole saga row and appends its log entries; inside the caller's transaction. */
function recordSagaIn(store: OrdersStore, row: SagaRow, logs: readonly SagaLogEntry[], at: number): void {
  store.saveSaga.run({
    orderId: row.orderId,
    state: row.state,
    step: row.step ?? null,
    compensations: row.compensations ? JSON.stringify(row.compensations) : null,
    rejectionReason: row.rejectionReason ?? null,
    attempts: row.attempts,
    lastError: row.lastError ?? null,
    nextAttemptAt: row.nextAttemptAt,
    updatedAt: at,
  });
  appendLogs(store, row.orderId, logs, at);
}

/** The saga row as `saga` (as loaded) with `changes`, and its log entries, written together (one transaction). */
export function recordSaga(store: OrdersStore, saga: SagaRow, changes: Partial<SagaRow>, logs: SagaLogEntry | readonly SagaLogEntry[], at: Date): void {
  const entries: readonly SagaLogEntry[] = Array.isArray(logs) ? logs : [logs as SagaLogEntry];
  store.db.transaction(() => recordSagaIn(store, { ...saga, ...changes }, entries, at.getTime()), { behavior: "immediate" });
}

/** The order REJECTED with its reason, the saga DONE, its last log entries and orders.order.rejected, together. */
export function recordRejected(store: OrdersStore, saga: SagaRow, order: Order, reason: RejectionReason, logs: readonly SagaLogEntry[], at: Date): void {
  store.db.transaction(
    (tx) => {
      store.endOrder.run({ id: order.id, status: "REJECTED", rejectionReason: reason, updatedAt: at.toISOString() });
      const done = { state: "DONE", step: null, compensations: null, rejectionReason: reason } as const;
      recordSagaIn(store, { ...saga, ...done }, [...logs, { step: "reject", outcome: "ok", detail: reason }], at.getTime());
      enqueueEvent(tx, outbox, orderRejected, { orderId: order.id, customerId: order.customerId, reason }, { aggregateId: order.id, now: at });
    },
    { behavior: "immediate" },
  );
}

/**
 * The saga's pivot: the order CONFIRMED, the saga DONE, its last log entries and
 * orders.order.confirmed, together. The event is what commits the stock and captures the payment
 * (inventory's and payments' consumers), so it is in the transaction that says the hold succeeded.
 */
export function recordConfirmed(store: OrdersStore, saga: SagaRow, order: Order, logs: readonly SagaLogEntry[], at: Date): void {
  store.db.transaction(
    (tx) => {
      store.endOrder.run({ id: order.id, status: "CONFIRMED", rejectionReason: null, updatedAt: at.toISOString() });
      recordSagaIn(store, { ...saga, state: "DONE", step: null, attempts: 0, lastError: null }, [...logs, { step: "confirm", outcome: "ok" }], at.getTime());
      const data = { orderId: order.id, customerId: order.customerId, lines: order.lines, totalCents: order.totalCents, confirmedAt: at.toISOString() };
      enqueueEvent(tx, outbox, orderConfirmed, data, { aggregateId: order.id, now: at });
    },
    { behavior: "immediate" },
  );
}

export type { SagaView };

function toSagaView(row: SagaRow): SagaView {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    orderId: row.orderId,
    state: row.state,
    step: row.step ?? null,
    compensations: row.compensations ?? [],
    rejectionReason: row.rejectionReason ?? null,
    attempts: row.attempts,
    lastError: row.lastError ?? null,
    deadlineAt: iso(row.deadlineAt),
    nextAttemptAt: iso(row.nextAttemptAt),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

/** A page of saga rows, most recently changed first (index sagas_updated, or sagas_state_updated with `status`, e.g. NEEDS_ATTENTION). */
export function listSagas(store: OrdersStore, filter: { status?: SagaState | undefined; limit: number; cursor?: string | undefined }): Page<SagaView> {
  const rows = store.db
    .select()
    .from(sagas)
    .where(and(filter.status ? eq(sagas.state, filter.status) : undefined, keysetBefore([sagas.updatedAt, sagas.orderId], cursorOf(filter.cursor))))
    .orderBy(desc(sagas.updatedAt), desc(sagas.orderId))
    .limit(filter.limit + 1)
    .all();
  return pageOf(rows, filter.limit, (row) => [row.updatedAt, row.orderId], toSagaView);
}

/** One saga with every step it tried, oldest first. */
export function getSaga(store: OrdersStore, orderId: string) {
  const row = loadSaga(store, orderId);
  if (!row) throw new DomainError("NOT_FOUND", `saga of order ${orderId} not found`, { orderId });
  const log = store.db.select().from(sagaLog).where(eq(sagaLog.orderId, orderId)).orderBy(asc(sagaLog.seq)).all();
  return {
    ...toSagaView(row),
    log: log.map((entry) => ({ step: entry.step, outcome: entry.outcome, detail: entry.detail ?? null, at: new Date(entry.at).toISOString() })),
  };
}
