/** orders' tRPC procedures: thin wrappers of service.ts. Peers import only `type OrdersRouter`. */
import { z } from "zod";
import { router, procedures } from "../../shared/trpc";
import { operatorCallers } from "../../shared/identity";
import { getOrderInput, listSagasInput, ordersOfCustomerInput, placeOrderInput } from "./contract";
import { getSaga, listSagas } from "./saga-store";
import { auditOrders, getOrder, ordersOfCustomer, placeOrder } from "./service";
import type { OrdersContext } from "./deps";

const p = procedures<OrdersContext>();
const id = z.string().min(1).max(64);

export const ordersRouter = router({
  place: p.callers("gateway").input(placeOrderInput).mutation(({ ctx, input }) => placeOrder(ctx.deps, input)),
  get: p.internal.input(getOrderInput).query(({ ctx, input }) => getOrder(ctx.deps.db, input.id)),
  byCustomer: p.internal.input(ordersOfCustomerInput).query(({ ctx, input }) => ordersOfCustomer(ctx.deps.db, input.customerId)),
  sagas: p.internal.input(listSagasInput).query(({ ctx, input }) => listSagas(ctx.deps.db, input)),
  /** One saga with its step log, for operators looking into a stuck order. */
  saga: p.internal.input(z.strictObject({ orderId: id })).query(({ ctx, input }) => getSaga(ctx.deps.db, input.orderId)),
  /** Admin: every order with its lines and every unfinished saga, for `npm run mesh -- check`. */
  audit: p.callers(...operatorCallers).query(({ ctx }) => auditOrders(ctx.deps.db, ctx.deps.now())),
});

export type OrdersRouter = typeof ordersRouter;
