/**
 * orders owns the orders, their line snapshots (name and unit price at purchase time) and the
 * state of each order's saga, with a log of every step it tried; and keeps copies of the
 * customers and products placing checks (from users' and catalog's events).
 */
import { sql } from "drizzle-orm";
import { sqliteTable, text, integer, index, primaryKey, uniqueIndex } from "drizzle-orm/sqlite-core";
import { consumerPositionsTable, inboxTable, outboxTable } from "../../shared/events/tables";
import { idempotencyKeysTable } from "../../shared/db/idempotency";
import { orderStatuses, rejectionReasons, sagaStates } from "./contract";

/** The order's states and rejection reasons are part of its answers: they live in contract.ts. */
export { orderStatuses, rejectionReasons, type OrderStatus, type RejectionReason } from "./contract";

export const orders = sqliteTable(
  "orders",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id").notNull(),
    status: text("status", { enum: orderStatuses }).notNull(),
    totalCents: integer("total_cents").notNull(),
    rejectionReason: text("rejection_reason", { enum: rejectionReasons }),
    correlationId: text("correlation_id").notNull(),
    /**
     * The caller's Idempotency-Key and its request's fingerprint, still written for the previous
     * release (which reads only these); keys are read from `idempotency_keys` (migration 0002).
     */
    idempotencyKey: text("idempotency_key"),
    requestFingerprint: text("request_fingerprint"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (table) => [uniqueIndex("orders_idempotency_key_unique").on(table.idempotencyKey), index("orders_customer").on(table.customerId, table.id)],
);

/** The products as they were when ordered: later catalog changes never touch these rows. */
export const orderLines = sqliteTable(
  "order_lines",
  {
    orderId: text("order_id")
      .notNull()
      .references(() => orders.id),
    lineNo: integer("line_no").notNull(),
    productId: text("product_id").notNull(),
    name: text("name").notNull(),
    unitPriceCents: integer("unit_price_cents").notNull(),
    quantity: integer("quantity").notNull(),
  },
  (table) => [primaryKey({ columns: [table.orderId, table.lineNo] })],
);

export { sagaStates, type SagaState } from "./contract";

export const sagaSteps = ["reserve", "authorize", "commit", "capture", "void", "release"] as const;
export type SagaStep = (typeof sagaSteps)[number];

/** One row per order: its state says which calls may have happened (a crash leaves it so); written once per phase. */
export const sagas = sqliteTable(
  "sagas",
  {
    orderId: text("order_id")
      .primaryKey()
      .references(() => orders.id),
    state: text("state", { enum: sagaStates }).notNull(),
    /** The step in flight or due next; null once DONE. */
    step: text("step", { enum: sagaSteps }),
    /** Compensations still to run, in order (JSON array of steps), while compensating. */
    compensations: text("compensations", { mode: "json" }).$type<SagaStep[]>(),
    /** The reason the order gets once the compensations are done. */
    rejectionReason: text("rejection_reason", { enum: rejectionReasons }),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    /** Epoch ms after which an orphaned saga still before payment is compensated, not resumed. */
    deadlineAt: integer("deadline_at").notNull(),
    /** Epoch ms when the sweeper may run this saga again. */
    nextAttemptAt: integer("next_attempt_at").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [
    index("sagas_due").on(table.state, table.nextAttemptAt),
    // The sweeper's periodic query (unfinished and due): only unfinished rows are in this index,
    // so it stays small while DONE sagas pile up; the query above must say `state != 'DONE'`.
    index("sagas_unfinished_due")
      .on(table.nextAttemptAt)
      .where(sql`state != 'DONE'`),
    // listSagas' order (newest change first), with and without a state filter: served from an index, never a sort of the table.
    index("sagas_updated").on(table.updatedAt, table.orderId),
    index("sagas_state_updated").on(table.state, table.updatedAt, table.orderId),
    // Finished sagas oldest first, for their retention (saga-retention.ts): only DONE rows are in it.
    index("sagas_done_updated")
      .on(table.updatedAt)
      .where(sql`state = 'DONE'`),
  ],
);

export const sagaLog = sqliteTable(
  "saga_log",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    orderId: text("order_id").notNull(),
    step: text("step").notNull(),
    /** ok | out_of_stock | declined | failed | skipped | passed (a deadline); "started" only in logs of the previous release */
    outcome: text("outcome").notNull(),
    detail: text("detail"),
    at: integer("at").notNull(),
  },
  (table) => [index("saga_log_order").on(table.orderId, table.seq)],
);

/**
 * One row per cancelled (or cancelling) order: when it was asked, what was captured, and which of
 * the two reactions (inventory's stock return, payments' refund) has arrived; both → CANCELLED.
 */
export const cancellations = sqliteTable(
  "cancellations",
  {
    orderId: text("order_id")
      .primaryKey()
      .references(() => orders.id),
    capturedCents: integer("captured_cents").notNull(),
    requestedAt: integer("requested_at").notNull(),
    stockReturnedAt: integer("stock_returned_at"),
    refundedAt: integer("refunded_at"),
    refundedCents: integer("refunded_cents"),
    cancelledAt: integer("cancelled_at"),
  },
  (table) => [
    index("cancellations_open")
      .on(table.requestedAt)
      .where(sql`cancelled_at is null`),
  ],
);

/**
 * orders' copy of users' customers (from users.user.registered, or users.get for one not yet
 * copied): placing checks the customer exists here, with no call. Users publish no change of a
 * customer that placing needs, so a row is only ever added.
 */
export const customerCopies = sqliteTable("customer_copies", {
  id: text("id").primaryKey(),
  /** USERS stream sequence of the event that wrote it; null when written from users.get. */
  sequence: integer("sequence"),
});

/**
 * orders' copy of catalog's products, what placing snapshots into a line: name and price (from
 * catalog.product.created / .updated, or catalog.getMany for one not yet copied). `changedAt` is
 * the time of catalog's change the row shows (the event's occurredAt, the product's updatedAt):
 * an event older than the row never overrides it (copies.ts).
 */
export const productCopies = sqliteTable("product_copies", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  priceCents: integer("price_cents").notNull(),
  changedAt: integer("changed_at").notNull(),
  /** CATALOG stream sequence of the event that wrote it; null when written from catalog.getMany. */
  sequence: integer("sequence"),
});

export type OrderRow = typeof orders.$inferSelect;
export type CancellationRow = typeof cancellations.$inferSelect;
export type OrderLineRow = typeof orderLines.$inferSelect;
export type SagaRow = typeof sagas.$inferSelect;

/** The input of `place` is part of orders' call contract (contract.ts). */
export type { PlaceOrderInput } from "./contract";

/** The Idempotency-Key of each keyed order, with what it placed (shared/db/idempotency.ts). */
export const idempotencyKeys = idempotencyKeysTable();

/** Events waiting for the relay; written in the same transaction as the change. */
export const outbox = outboxTable();
/** Events already applied (inventory's returns, payments' refunds, the copies' events), so a redelivery changes nothing. */
export const inbox = inboxTable();
/** How far each consumer has applied its stream: the copies' lag on /health/ready. */
export const consumerPositions = consumerPositionsTable();
