/** The inputs of reporting's procedures that the gateway forwards: its public call contract (imports only shared/ and zod). */
import { z } from "zod";
import type { Placement } from "../../shared/core/placement";

/**
 * Where reporting sits in the mesh: its port is MESH_PORT_BASE + portOffset (peers default to it), and the
 * streams it consumes, with its durable on each (its NATS user may read only those).
 */
export const placement = { portOffset: 6, consumes: ["orders"] } as const satisfies Placement;

export const customerReportInput = z.strictObject({ customerId: z.string().min(1).max(64) });
