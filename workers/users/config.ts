/** users' environment: the common worker variables; it calls no peers. */
import { workerConfigSchema } from "../../shared/core/config";
import { defaultPortOf } from "../../shared/core/placement";
import { placement } from "./contract";

export { placement };

export const usersConfigSchema = workerConfigSchema(defaultPortOf(placement));
export type UsersConfig = ReturnType<typeof usersConfigSchema.parse>;
