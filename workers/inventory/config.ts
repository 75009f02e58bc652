/** inventory's environment: the common worker variables and its consumer's dead-letter threshold; it calls no peers. */
import { z } from "zod";
import { workerConfigSchema } from "../../shared/core/config";
import { defaultPortOf } from "../../shared/core/placement";
import { placement } from "./contract";

export { placement };

export const inventoryConfigSchema = workerConfigSchema(defaultPortOf(placement)).extend({
  /** Deliveries of an order's cancellation that cannot be applied before it goes to the dead letters. */
  CONSUMER_MAX_DELIVER: z.coerce.number().int().min(1).default(5),
});
export type InventoryConfig = ReturnType<typeof inventoryConfigSchema.parse>;
