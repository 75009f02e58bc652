/** The inputs of inventory's procedures that the gateway forwards: its public call contract (imports only shared/ and zod). */
import { z } from "zod";

const productId = z.string().min(1).max(64);

export const setStockInput = z.strictObject({ productId, onHand: z.number().int().min(0).max(1_000_000_000) });
export type SetStockInput = z.infer<typeof setStockInput>;

export const getStockInput = z.strictObject({ productId });
