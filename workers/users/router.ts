/** users' tRPC procedures: thin wrappers of service.ts. Peers import only `type UsersRouter`. */
import { z } from "zod";
import { router, procedures, answers } from "../../shared/rpc/trpc";
import { pageInput } from "../../shared/db/paging";
import { getUserInput, registerUserInput, userOutput } from "./contract";
import { getUserById, getUsers, listUsers, registerUser } from "./service";
import type { UsersContext } from "./deps";

const p = procedures<UsersContext>();
const id = z.string().min(1).max(64);

export const usersRouter = router({
  register: p
    .callers("gateway")
    .input(registerUserInput)
    .concat(answers(userOutput))
    .mutation(({ ctx, input }) => registerUser(ctx.deps.db, input, ctx.deps.now())),
  get: p.internal
    .input(getUserInput)
    .concat(answers(userOutput))
    .query(({ ctx, input }) => getUserById(ctx.deps.queries, input.id)),
  getMany: p.internal.input(z.strictObject({ ids: z.array(id).max(500) })).query(({ ctx, input }) => getUsers(ctx.deps.db, input.ids)),
  list: p.internal.input(z.strictObject({ ...pageInput })).query(({ ctx, input }) => listUsers(ctx.deps.db, input)),
});

export type UsersRouter = typeof usersRouter;
