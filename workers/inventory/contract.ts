/** The inputs and answers of inventory's procedures that the gateway forwards: its public call contract (imports only shared/ and zod). */
import { z } from "zod";
import type { Placement } from "../../shared/core/placement";

/**
 * Where inventory sits in the mesh: its port is MESH_PORT_BASE + portOffset (peers default to it),
 * and the streams it consumes (orders' cancellations, durable `inventory-orders`).
 */
export const placement = { portOffset: 3, consumes: ["orders"] } as const satisfies Placement;

const productId = z.string().min(1).max(64);

export const setStockInput = z.strictObject({ productId, onHand: z.number().int().min(0).max(1_000_000_000) });
export type SetStockInput = z.infer<typeof setStockInput>;

export const getStockInput = z.strictObject({ productId });

const count = z.number().int().min(0);
/** A product's stock level as inventory answers it (get, setStock): `available` = onHand − reserved. */
export const stockOutput = z.strictObject({ productId: z.string(), onHand: count, reserved: count, available: count });
export type Stock = z.infer<typeof stockOutput>;
