/** users' environment: the common worker variables; it calls no peers. */
import { workerConfigSchema } from "../../shared/config";

/** Where users sits in the mesh: its port is MESH_PORT_BASE + portOffset. */
export const placement = { portOffset: 1 } as const;

export const usersConfigSchema = workerConfigSchema(4100 + placement.portOffset);
export type UsersConfig = ReturnType<typeof usersConfigSchema.parse>;
