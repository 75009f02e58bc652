/**
 * What the public API accepts, as strict zod schemas shared by the REST routes and the public
 * tRPC router. Checked at the edge so bad input is refused (400 naming the field) before any
 * peer is called; the owning peer still checks again. Each shape must be accepted by the peer
 * procedure it is passed to, which the compiler checks where service.ts makes the call.
 */
import { z } from "zod";
import type { inferRouterInputs } from "@trpc/server";
import type { OrdersRouter } from "../orders/router";
import { idempotencyKeyInput } from "../../shared/idempotency";

export const entityId = z.string().min(1).max(64);
const cents = z.number().int().min(0);
/** The Idempotency-Key header's value (REST), or the `idempotencyKey` field of a public tRPC write: the owners' own rule. */
export const idempotencyKey = idempotencyKeyInput;
const keyed = { idempotencyKey: idempotencyKey.optional() };

export const registerUserBody = z.strictObject({
  email: z.email().max(254),
  name: z.string().trim().min(1).max(200),
});
export const registerUserInput = registerUserBody.extend(keyed);

const productName = z.string().trim().min(1).max(200);
const productDescription = z.string().trim().max(4000).nullable();
const productAttributes = z.record(z.string().min(1).max(64), z.json());

export const createProductBody = z.strictObject({
  sku: z.string().trim().min(1).max(64),
  name: productName,
  description: productDescription.optional(),
  priceCents: cents,
  attributes: productAttributes.optional(),
});
export const createProductInput = createProductBody.extend(keyed);

const productChanges = {
  name: productName.optional(),
  description: productDescription.optional(),
  priceCents: cents.optional(),
  attributes: productAttributes.optional(),
};
const someChange = (changes: { name?: unknown; description?: unknown; priceCents?: unknown; attributes?: unknown }) =>
  [changes.name, changes.description, changes.priceCents, changes.attributes].some((field) => field !== undefined);
const someChangeMessage = "give at least one of name, description, priceCents, attributes";

export const updateProductBody = z.strictObject(productChanges).refine(someChange, someChangeMessage);
export const updateProductInput = z.strictObject({ id: entityId, ...productChanges }).refine(someChange, someChangeMessage);

/** Query inputs take numbers; REST turns numeric query strings into numbers before checking. */
export const searchProductsQuery = z.strictObject({
  q: z.string().trim().min(1).max(200),
  limit: z.number().int().min(1).max(100).optional(),
});
export const listProductsQuery = z.strictObject({
  limit: z.number().int().min(1).max(200).optional(),
  after: entityId.optional(),
});

export const setStockBody = z.strictObject({ onHand: z.number().int().min(0).max(1_000_000_000) });
export const setCreditBody = z.strictObject({ limitCents: cents });

const orderItems = z
  .array(z.strictObject({ productId: entityId, quantity: z.number().int().min(1).max(10_000) }))
  .min(1, "an order needs at least one item")
  .max(100);

export const placeOrderBody = z.strictObject({ customerId: entityId, items: orderItems });
export const placeOrderInput = placeOrderBody.extend(keyed);
export type PlaceOrderInput = z.infer<typeof placeOrderInput>;

/** orders' saga states, copied so a bad `?status=` is refused here; the type below keeps the copy true. */
type SagaStatus = NonNullable<inferRouterInputs<OrdersRouter>["sagas"]["status"]>;
export const sagaStatuses = [
  "STARTED",
  "RESERVING",
  "RESERVED",
  "AUTHORIZING",
  "AUTHORIZED",
  "COMMITTING",
  "CAPTURING",
  "COMPENSATING",
  "DONE",
  "NEEDS_ATTENTION",
] as const satisfies readonly SagaStatus[];
// Fails to compile if orders gains a state this copy lacks.
const everySagaStatus: SagaStatus extends (typeof sagaStatuses)[number] ? true : false = true;
void everySagaStatus;

export const sagasQuery = z.strictObject({
  status: z.enum(sagaStatuses).optional(),
  limit: z.number().int().min(1).max(500).optional(),
});
