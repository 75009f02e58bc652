/** payments' environment: the common worker variables; it calls no peers. */
import { workerConfigSchema } from "../../shared/config";
import { defaultPortOf, meshPlacement } from "../../shared/mesh-placement";

/** Where payments sits in the mesh (its port, the streams it reads): its row of the kit's placement table. */
export const placement = meshPlacement.payments;

export const paymentsConfigSchema = workerConfigSchema(defaultPortOf("payments"));
export type PaymentsConfig = ReturnType<typeof paymentsConfigSchema.parse>;
