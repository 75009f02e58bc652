/** catalog's environment: the common worker variables; it calls no peers. */
import { workerConfigSchema } from "../../shared/config";
import { defaultPortOf, meshPlacement } from "../../shared/mesh-placement";

/** Where catalog sits in the mesh (its port, the streams it reads): its row of the kit's placement table. */
export const placement = meshPlacement.catalog;

export const catalogConfigSchema = workerConfigSchema(defaultPortOf("catalog"));
export type CatalogConfig = ReturnType<typeof catalogConfigSchema.parse>;
