/** catalog's environment: the common worker variables; it calls no peers. */
import { workerConfigSchema } from "../../shared/config";

/** Where catalog sits in the mesh: its port is MESH_PORT_BASE + portOffset. */
export const placement = { portOffset: 2 } as const;

export const catalogConfigSchema = workerConfigSchema(4100 + placement.portOffset);
export type CatalogConfig = ReturnType<typeof catalogConfigSchema.parse>;
