/** reporting's environment: the common worker variables; it calls no peers, it only listens. */
import { z } from "zod";
import { workerConfigSchema } from "../../shared/config";

/**
 * Where reporting sits in the mesh: its port is MESH_PORT_BASE + portOffset; its NATS user may
 * read only the streams of `consumes` (the launcher's nats-server config).
 */
export const placement = { portOffset: 6, consumes: ["orders"] } as const;

export const reportingConfigSchema = workerConfigSchema(4100 + placement.portOffset).extend({
  /** Deliveries before a message goes to the dead letters. */
  CONSUMER_MAX_DELIVER: z.coerce.number().int().min(1).default(5),
});
export type ReportingConfig = z.output<typeof reportingConfigSchema>;
