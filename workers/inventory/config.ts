/** inventory's environment: the common worker variables; it calls no peers. */
import { workerConfigSchema } from "../../shared/config";
import { defaultPortOf, meshPlacement } from "../../shared/mesh-placement";

/** Where inventory sits in the mesh (its port, the streams it reads): its row of the kit's placement table. */
export const placement = meshPlacement.inventory;

export const inventoryConfigSchema = workerConfigSchema(defaultPortOf("inventory"));
export type InventoryConfig = ReturnType<typeof inventoryConfigSchema.parse>;
