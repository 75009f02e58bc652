/** payments' environment: the common worker variables; it calls no peers. */
import { workerConfigSchema } from "../../shared/config";
import { defaultPortOf } from "../../shared/mesh-placement";
import { placement } from "./contract";

export { placement };

export const paymentsConfigSchema = workerConfigSchema(defaultPortOf(placement));
export type PaymentsConfig = ReturnType<typeof paymentsConfigSchema.parse>;
