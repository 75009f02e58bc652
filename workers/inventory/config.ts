/** inventory's environment: the common worker variables; it calls no peers. */
import { workerConfigSchema } from "../../shared/config";

/** Where inventory sits in the mesh: its port is MESH_PORT_BASE + portOffset. */
export const placement = { portOffset: 3 } as const;

export const inventoryConfigSchema = workerConfigSchema(4100 + placement.portOffset);
export type InventoryConfig = ReturnType<typeof inventoryConfigSchema.parse>;
