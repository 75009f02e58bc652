/** payments' environment: the common worker variables; it calls no peers. */
import { workerConfigSchema } from "../../shared/config";

/** Where payments sits in the mesh: its port is MESH_PORT_BASE + portOffset. */
export const placement = { portOffset: 4 } as const;

export const paymentsConfigSchema = workerConfigSchema(4100 + placement.portOffset);
export type PaymentsConfig = ReturnType<typeof paymentsConfigSchema.parse>;
