/** reporting's environment: the common worker variables; it calls no peers, it only listens. */
import { z } from "zod";
import { workerConfigSchema } from "../../shared/config";
import { defaultPortOf, meshPlacement } from "../../shared/mesh-placement";

/** Where reporting sits in the mesh (its port, the streams it reads): its row of the kit's placement table. */
export const placement = meshPlacement.reporting;

export const reportingConfigSchema = workerConfigSchema(defaultPortOf("reporting")).extend({
  /** Deliveries before a message goes to the dead letters. */
  CONSUMER_MAX_DELIVER: z.coerce.number().int().min(1).default(5),
});
export type ReportingConfig = z.output<typeof reportingConfigSchema>;
