/** The inputs and answers of orders' procedures that the gateway forwards: its public call contract (imports only shared/ and zod). */
import { z } from "zod";
import { idempotencyKeyInput } from "../../shared/db/idempotency";
import type { Placement } from "../../shared/core/placement";
import { pageInput, pageOutput } from "../../shared/db/paging";

/**
 * Where orders sits in the mesh: its port is MESH_PORT_BASE + portOffset (peers default to it),
 * and the streams it consumes (a cancellation's two reactions: durables `orders-inventory`, `orders-payments`;
 * the copies of customers and products placing checks: `orders-users`, `orders-catalog`).
 */
export const placement = { portOffset: 5, consumes: ["inventory", "payments", "users", "catalog"] } as const satisfies Placement;

const id = z.string().min(1).max(64);

export const placeOrderInput = z.strictObject({
  customerId: id,
  items: z
    .array(z.strictObject({ productId: id, quantity: z.number().int().min(1).max(10_000) }))
    .min(1, "an order needs at least one item")
    .max(100),
  idempotencyKey: idempotencyKeyInput.optional(),
});
export type PlaceOrderInput = z.infer<typeof placeOrderInput>;

export const getOrderInput = z.strictObject({ id });
/** Cancel a CONFIRMED order; the same key sent again answers the same (202) and changes nothing. */
export const cancelOrderInput = z.strictObject({ id, idempotencyKey: idempotencyKeyInput.optional() });
export type CancelOrderInput = z.infer<typeof cancelOrderInput>;
/** A customer's orders, a page at a time (newest first). */
export const ordersOfCustomerInput = z.strictObject({ customerId: id, ...pageInput });

/** The states of an order's saga (the `sagas` table's column and the filter of the saga list). */
export const sagaStates = ["STARTED", "RESERVING", "RESERVED", "AUTHORIZING", "AUTHORIZED", "COMMITTING", "CAPTURING", "COMPENSATING", "DONE", "NEEDS_ATTENTION"] as const;
export type SagaState = (typeof sagaStates)[number];

/** Sagas, most recently changed first, a page at a time; `status` filters by state. */
export const listSagasInput = z.strictObject({ status: z.enum(sagaStates).optional(), ...pageInput });

/** CANCELLING → CANCELLED: a confirmed order's cancellation (cancel.ts), its reactions awaited. */
export const orderStatuses = ["PENDING", "CONFIRMED", "REJECTED", "CANCELLING", "CANCELLED"] as const;
export type OrderStatus = (typeof orderStatuses)[number];

export const rejectionReasons = ["insufficient_stock", "payment_declined", "peer_unavailable"] as const;
export type RejectionReason = (typeof rejectionReasons)[number];

const cents = z.number().int().min(0);
const time = z.iso.datetime();

/** A line as it was ordered: the product's name and unit price at purchase time. */
export const orderLineOutput = z.strictObject({ productId: z.string(), name: z.string(), unitPriceCents: cents, quantity: z.number().int().min(1) });
export type OrderLine = z.infer<typeof orderLineOutput>;

/** An order as orders answers it (place, cancel, a customer's orders). */
export const orderOutput = z.strictObject({
  id: z.string(),
  customerId: z.string(),
  status: z.enum(orderStatuses),
  lines: z.array(orderLineOutput),
  totalCents: cents,
  rejectionReason: z.enum(rejectionReasons).nullable(),
  correlationId: z.string(),
  createdAt: time,
  updatedAt: time,
});
export type Order = z.infer<typeof orderOutput>;

/** A page of a customer's orders, newest first. */
export const ordersOutput = pageOutput(orderOutput);

/** `completed: false`: the saga had not ended within orders' wait, the order is still PENDING. */
export const placedOrderOutput = z.strictObject({
  order: orderOutput,
  completed: z.boolean().describe("false: the saga had not ended within orders' wait, the order is still PENDING"),
});
export type PlacedOrder = z.infer<typeof placedOrderOutput>;

/** Where a cancellation is: each reaction's time once it arrived; `stuckReason` names the one overdue. */
export const cancellationOutput = z.strictObject({
  requestedAt: time,
  capturedCents: cents,
  stockReturnedAt: time.nullable(),
  refundedAt: time.nullable(),
  refundedCents: cents.nullable(),
  cancelledAt: time.nullable(),
  stuckReason: z.string().nullable().describe("Which reaction has not arrived in time (the order shows CANCEL_STUCK); null while not stuck"),
});
export type CancellationView = z.infer<typeof cancellationOutput>;

/** An order as `get` answers it: with its cancellation, if any; CANCEL_STUCK is how an overdue CANCELLING order shows. */
export const orderViewOutput = orderOutput.extend({ status: z.enum([...orderStatuses, "CANCEL_STUCK"]), cancellation: cancellationOutput.optional() });
export type OrderView = z.infer<typeof orderViewOutput>;

/** A saga as the operators' list shows it (orders.sagas). */
export const sagaViewOutput = z.strictObject({
  orderId: z.string(),
  state: z.enum(sagaStates),
  step: z.string().nullable(),
  compensations: z.array(z.string()),
  rejectionReason: z.string().nullable(),
  attempts: z.number().int().min(0),
  lastError: z.string().nullable(),
  deadlineAt: time,
  nextAttemptAt: time,
  createdAt: time,
  updatedAt: time,
});
export type SagaView = z.infer<typeof sagaViewOutput>;
/** A page of sagas, most recently changed first. */
export const sagasOutput = pageOutput(sagaViewOutput);
