/**
 * How the saga persists itself in orders.db: its row is updated and its log appended in one
 * transaction, and an order's end (CONFIRMED or REJECTED) commits together with its event.
 * Also the operators' view of sagas (listSagas, getSaga).
 */
import { asc, desc, eq, sql } from "drizzle-orm";
import { DomainError } from "../../shared/errors";
import { enqueueEvent } from "../../shared/events/enqueue";
import { orderConfirmed, orderRejected } from "./events";
import { orders, outbox, sagaLog, sagas, type RejectionReason, type SagaRow, type SagaState } from "./schema";
import type { Order, OrdersDb } from "./service";

export interface SagaLogEntry {
  step: string;
  /** started | ok | out_of_stock | declined | failed | skipped | passed */
  outcome: string;
  detail?: string | null;
}

// The saga's per-step statements, prepared once per DB (building and preparing them was ~20% of
// the orders worker's CPU under load, bench/FINDINGS.md). Prepared statements of `db` also run
// inside its transactions: one connection, synchronous.
const prepareSagaStatements = (db: OrdersDb) => ({
  load: db.select().from(sagas).where(eq(sagas.orderId, sql.placeholder("orderId"))).prepare(),
  appendLog: db
    .insert(sagaLog)
    .values({ orderId: sql.placeholder("orderId"), step: sql.placeholder("step"), outcome: sql.placeholder("outcome"), detail: sql.placeholder("detail"), at: sql.placeholder("at") })
    .prepare(),
});
const sagaStatements = new WeakMap<OrdersDb, ReturnType<typeof prepareSagaStatements>>();
function statementsOf(db: OrdersDb) {
  let statements = sagaStatements.get(db);
  if (!statements) sagaStatements.set(db, (statements = prepareSagaStatements(db)));
  return statements;
}

export function loadSaga(db: OrdersDb, orderId: string): SagaRow | undefined {
  return statementsOf(db).load.get({ orderId }) as SagaRow | undefined;
}

/** Updates the saga row and appends to its log, together. */
export function recordSaga(db: OrdersDb, orderId: string, changes: Partial<SagaRow>, log: SagaLogEntry, at: Date): void {
  const { appendLog } = statementsOf(db);
  db.transaction(
    (tx) => {
      tx.update(sagas).set({ ...changes, updatedAt: at.getTime() }).where(eq(sagas.orderId, orderId)).run();
      appendLog.run({ orderId, step: log.step, outcome: log.outcome, detail: log.detail ?? null, at: at.getTime() });
    },
    { behavior: "immediate" },
  );
}

/** The order REJECTED with its reason, the saga DONE and orders.order.rejected, together. */
export function recordRejected(db: OrdersDb, order: Order, reason: RejectionReason, log: SagaLogEntry, at: Date): void {
  db.transaction(
    (tx) => {
      tx.update(orders).set({ status: "REJECTED", rejectionReason: reason, updatedAt: at.toISOString() }).where(eq(orders.id, order.id)).run();
      tx.update(sagas)
        .set({ state: "DONE", step: null, compensations: null, rejectionReason: reason, updatedAt: at.getTime() })
        .where(eq(sagas.orderId, order.id))
        .run();
      tx.insert(sagaLog)
        .values([
          { orderId: order.id, step: log.step, outcome: log.outcome, detail: log.detail ?? null, at: at.getTime() },
          { orderId: order.id, step: "reject", outcome: "ok", detail: reason, at: at.getTime() },
        ])
        .run();
      enqueueEvent(tx, outbox, orderRejected, { orderId: order.id, customerId: order.customerId, reason }, { aggregateId: order.id, now: at });
    },
    { behavior: "immediate" },
  );
}

/** The order CONFIRMED, the saga DONE and orders.order.confirmed, together. */
export function recordConfirmed(db: OrdersDb, order: Order, captureOutcome: "ok" | "skipped", at: Date): void {
  db.transaction(
    (tx) => {
      tx.update(orders).set({ status: "CONFIRMED", updatedAt: at.toISOString() }).where(eq(orders.id, order.id)).run();
      tx.update(sagas).set({ state: "DONE", step: null, attempts: 0, lastError: null, updatedAt: at.getTime() }).where(eq(sagas.orderId, order.id)).run();
      tx.insert(sagaLog)
        .values([
          { orderId: order.id, step: "capture", outcome: captureOutcome, detail: null, at: at.getTime() },
          { orderId: order.id, step: "confirm", outcome: "ok", detail: null, at: at.getTime() },
        ])
        .run();
      const data = { orderId: order.id, customerId: order.customerId, lines: order.lines, totalCents: order.totalCents, confirmedAt: at.toISOString() };
      enqueueEvent(tx, outbox, orderConfirmed, data, { aggregateId: order.id, now: at });
    },
    { behavior: "immediate" },
  );
}

export interface SagaView {
  orderId: string;
  state: SagaState;
  step: string | null;
  compensations: string[];
  rejectionReason: string | null;
  attempts: number;
  lastError: string | null;
  deadlineAt: string;
  nextAttemptAt: string;
  createdAt: string;
  updatedAt: string;
}

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

/** Saga rows, most recently changed first; `status` filters by state (e.g. NEEDS_ATTENTION). */
export function listSagas(db: OrdersDb, filter: { status?: SagaState | undefined; limit: number }): SagaView[] {
  return db
    .select()
    .from(sagas)
    .where(filter.status ? eq(sagas.state, filter.status) : undefined)
    .orderBy(desc(sagas.updatedAt), desc(sagas.orderId))
    .limit(filter.limit)
    .all()
    .map(toSagaView);
}

/** One saga with every step it tried, oldest first. */
export function getSaga(db: OrdersDb, orderId: string) {
  const row = db.select().from(sagas).where(eq(sagas.orderId, orderId)).get();
  if (!row) throw new DomainError("NOT_FOUND", `saga of order ${orderId} not found`, { orderId });
  const log = db.select().from(sagaLog).where(eq(sagaLog.orderId, orderId)).orderBy(asc(sagaLog.seq)).all();
  return {
    ...toSagaView(row),
    log: log.map((entry) => ({ step: entry.step, outcome: entry.outcome, detail: entry.detail ?? null, at: new Date(entry.at).toISOString() })),
  };
}
