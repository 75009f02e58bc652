/** reporting's environment: the common worker variables; it calls no peers, it only listens. */
import { z } from "zod";
import { workerConfigSchema } from "../../shared/core/config";
import { defaultPortOf } from "../../shared/core/placement";
import { placement } from "./contract";

export { placement };

export const reportingConfigSchema = workerConfigSchema(defaultPortOf(placement)).extend({
  /** Deliveries before a message goes to the dead letters. */
  CONSUMER_MAX_DELIVER: z.coerce.number().int().min(1).default(5),
});
export type ReportingConfig = z.output<typeof reportingConfigSchema>;
