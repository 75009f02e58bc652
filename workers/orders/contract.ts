/** The inputs of orders' procedures that the gateway forwards: its public call contract (imports only shared/ and zod). */
import { z } from "zod";
import { idempotencyKeyInput } from "../../shared/db/idempotency";
import type { Placement } from "../../shared/core/placement";

/**
 * Where orders sits in the mesh: its port is MESH_PORT_BASE + portOffset (peers default to it),
 * and the streams it consumes (a cancellation's two reactions: durables `orders-inventory`, `orders-payments`).
 */
export const placement = { portOffset: 5, consumes: ["inventory", "payments"] } as const satisfies Placement;

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
export const ordersOfCustomerInput = z.strictObject({ customerId: id });

/** The states of an order's saga (the `sagas` table's column and the filter of the saga list). */
export const sagaStates = ["STARTED", "RESERVING", "RESERVED", "AUTHORIZING", "AUTHORIZED", "COMMITTING", "CAPTURING", "COMPENSATING", "DONE", "NEEDS_ATTENTION"] as const;
export type SagaState = (typeof sagaStates)[number];

export const listSagasInput = z.strictObject({ status: z.enum(sagaStates).optional(), limit: z.number().int().min(1).max(500).default(100) });
