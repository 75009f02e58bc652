/** orders' tRPC procedures: thin wrappers of service.ts and store.ts. Peers import only `type OrdersRouter`. */
import { z } from "zod";
import { router, procedures, answers } from "../../shared/rpc/trpc";
import { operatorCallers } from "../../shared/rpc/identity";
import {
  cancelOrderInput,
  getOrderInput,
  listSagasInput,
  ordersOfCustomerInput,
  placeOrderInput,
  orderOutput,
  ordersOutput,
  orderViewOutput,
  placedOrderOutput,
  sagasOutput,
} from "./contract";
import { auditWithCancellations, cancelOrder, viewOrder } from "./cancel";
import { placeOrder } from "./service";
import { getSaga, listSagas, ordersOfCustomer } from "./store";
import type { OrdersContext } from "./deps";

const p = procedures<OrdersContext>();
const id = z.string().min(1).max(64);

export const ordersRouter = router({
  place: p
    .callers("gateway")
    .input(placeOrderInput)
    .concat(answers(placedOrderOutput))
    .mutation(({ ctx, input }) => placeOrder(ctx.deps, input)),
  get: p.internal
    .input(getOrderInput)
    .concat(answers(orderViewOutput))
    .query(({ ctx, input }) => viewOrder(ctx.deps.store, input.id, ctx.deps.now(), ctx.deps.cancelStuckAfterMs)),
  /** Starts the choreographed cancellation of a CONFIRMED order (cancel.ts); the answer is the order as it now is. */
  cancel: p
    .callers("gateway")
    .input(cancelOrderInput)
    .concat(answers(orderOutput))
    .mutation(({ ctx, input }) => cancelOrder(ctx.deps.store, input, ctx.deps.now())),
  byCustomer: p.internal
    .input(ordersOfCustomerInput)
    .concat(answers(ordersOutput))
    .query(({ ctx, input }) => ordersOfCustomer(ctx.deps.store, input)),
  sagas: p.internal
    .input(listSagasInput)
    .concat(answers(sagasOutput))
    .query(({ ctx, input }) => listSagas(ctx.deps.store, input)),
  /** One saga with its step log, for operators looking into a stuck order. */
  saga: p.internal.input(z.strictObject({ orderId: id })).query(({ ctx, input }) => getSaga(ctx.deps.store, input.orderId)),
  /** Admin: every order with its lines, every unfinished saga and every cancellation, for `npm run mesh -- check`. */
  audit: p.callers(...operatorCallers).query(({ ctx }) => auditWithCancellations(ctx.deps.store, ctx.deps.now(), ctx.deps.cancelStuckAfterMs)),
});

export type OrdersRouter = typeof ordersRouter;
