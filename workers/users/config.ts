/** users' environment: the common worker variables; it calls no peers. */
import { workerConfigSchema } from "../../shared/config";
import { defaultPortOf, meshPlacement } from "../../shared/mesh-placement";

/** Where users sits in the mesh (its port, the streams it reads): its row of the kit's placement table. */
export const placement = meshPlacement.users;

export const usersConfigSchema = workerConfigSchema(defaultPortOf("users"));
export type UsersConfig = ReturnType<typeof usersConfigSchema.parse>;
