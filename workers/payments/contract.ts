/** The inputs and answers of payments' procedures that the gateway forwards: its public call contract (imports only shared/ and zod). */
import { z } from "zod";
import type { Placement } from "../../shared/core/placement";

/**
 * Where payments sits in the mesh: its port is MESH_PORT_BASE + portOffset (peers default to it),
 * and the streams it consumes (orders' cancellations, durable `payments-orders`).
 */
export const placement = { portOffset: 4, consumes: ["orders"] } as const satisfies Placement;

const customerId = z.string().min(1).max(64);

// zod's int() is already bounded to safe integers: a further max() would report a too-large limit twice.
export const setCreditLimitInput = z.strictObject({ customerId, limitCents: z.number().int().min(0) });
export type SetCreditLimitInput = z.infer<typeof setCreditLimitInput>;

export const getAccountInput = z.strictObject({ customerId });

const cents = z.number().int().min(0);
/** A customer's credit as payments answers it (getAccount, setCreditLimit): `availableCents` = limit − authorized − captured, never below 0; `capturedCents` is net of refunds. */
export const accountOutput = z.strictObject({ customerId: z.string(), limitCents: cents, authorizedCents: cents, capturedCents: z.number().int(), availableCents: cents });
export type Account = z.infer<typeof accountOutput>;
