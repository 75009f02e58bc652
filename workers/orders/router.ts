/** orders' tRPC procedures: thin wrappers of service.ts and store.ts. Peers import only `type OrdersRouter`. */
import { z } from "zod";
import { router, procedures } from "../../shared/trpc";
import { operatorCallers } from "../../shared/identity";
import { placeOrderInput, sagaStates } from "./schema";
import { placeOrder } from "./service";
import { auditOrders, getOrder, getSaga, listSagas, ordersOfCustomer } from "./store";
import type { OrdersContext } from "./deps";

const p = procedures<OrdersContext>();
const id = z.string().min(1).max(64);

export const ordersRouter = router({
  place: p.callers("gateway").input(placeOrderInput).mutation(({ ctx, input }) => placeOrder(ctx.deps, input)),
  get: p.internal.input(z.strictObject({ id })).query(({ ctx, input }) => getOrder(ctx.deps.store, input.id)),
  byCustomer: p.internal.input(z.strictObject({ customerId: id })).query(({ ctx, input }) => ordersOfCustomer(ctx.deps.store, input.customerId)),
  sagas: p.internal
    .input(z.strictObject({ status: z.enum(sagaStates).optional(), limit: z.number().int().min(1).max(500).default(100) }))
    .query(({ ctx, input }) => listSagas(ctx.deps.store, input)),
  /** One saga with its step log, for operators looking into a stuck order. */
  saga: p.internal.input(z.strictObject({ orderId: id })).query(({ ctx, input }) => getSaga(ctx.deps.store, input.orderId)),
  /** Admin: every order with its lines and every unfinished saga, for `npm run mesh -- check`. */
  audit: p.callers(...operatorCallers).query(({ ctx }) => auditOrders(ctx.deps.store, ctx.deps.now())),
});

export type OrdersRouter = typeof ordersRouter;
