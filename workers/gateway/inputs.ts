/**
 * The inputs that are the gateway's own: those of operations no single owner has (compositions
 * of several peers). Everything the gateway forwards is checked with the owner's own schema,
 * imported from the owner's contract.ts, so the two cannot drift.
 */
import { z } from "zod";

/** A customer's summary: users, orders and reporting at once (compose.ts). */
export const customerSummaryInput = z.strictObject({ customerId: z.string().min(1).max(64) });
