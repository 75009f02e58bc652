/** payments' tRPC procedures: thin wrappers of service.ts. Peers import only `type PaymentsRouter`. */
import { router, procedures, answers } from "../../shared/rpc/trpc";
import { operatorCallers } from "../../shared/rpc/identity";
import { authorizeInput, orderIdInput, paymentsInput } from "./schema";
import { accountOutput, getAccountInput, setCreditLimitInput } from "./contract";
import { auditPayments, authorizePayment, capturePayment, getAccount, listPayments, setCreditLimit, voidPayment } from "./service";
import type { PaymentsContext } from "./deps";

const p = procedures<PaymentsContext>();

export const paymentsRouter = router({
  setCreditLimit: p
    .callers("gateway", ...operatorCallers)
    .input(setCreditLimitInput)
    .concat(answers(accountOutput))
    .mutation(({ ctx, input }) => setCreditLimit(ctx.deps.queries, input, ctx.deps.now())),
  getAccount: p.internal
    .input(getAccountInput)
    .concat(answers(accountOutput))
    .query(({ ctx, input }) => getAccount(ctx.deps.queries, input.customerId)),
  authorize: p
    .callers("orders")
    .input(authorizeInput)
    .mutation(({ ctx, input }) => authorizePayment(ctx.deps.queries, input, ctx.deps.now())),
  capture: p
    .callers("orders")
    .input(orderIdInput)
    .mutation(({ ctx, input }) => capturePayment(ctx.deps.queries, input.orderId, ctx.deps.now())),
  void: p
    .callers("orders")
    .input(orderIdInput)
    .mutation(({ ctx, input }) => voidPayment(ctx.deps.queries, input.orderId, ctx.deps.now())),
  payments: p.internal.input(paymentsInput).query(({ ctx, input }) => listPayments(ctx.deps.db, input)),
  /** Admin: every account and payment, for `npm run mesh -- check`. */
  audit: p.callers(...operatorCallers).query(({ ctx }) => auditPayments(ctx.deps.db)),
});

export type PaymentsRouter = typeof paymentsRouter;
