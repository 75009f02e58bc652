/** catalog's environment: the common worker variables; it calls no peers. */
import { workerConfigSchema } from "../../shared/config";

/**
 * Where catalog sits in the mesh: its port is MESH_PORT_BASE + portOffset; its NATS user may
 * read only the streams of `consumes` (the launcher's nats-server config).
 */
export const placement = { portOffset: 2, consumes: [{ owner: "inventory", durable: "catalog-stock" }] } as const;

export const catalogConfigSchema = workerConfigSchema(4100 + placement.portOffset);
export type CatalogConfig = ReturnType<typeof catalogConfigSchema.parse>;
