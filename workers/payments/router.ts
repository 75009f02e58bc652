/** payments' tRPC procedures: thin wrappers of service.ts. Peers import only `type PaymentsRouter`. */
import { router, procedures } from "../../shared/trpc";
import { authorizeInput, getAccountInput, orderIdInput, paymentsInput, setCreditLimitInput } from "./schema";
import { auditPayments, authorizePayment, capturePayment, getAccount, listPayments, setCreditLimit, voidPayment } from "./service";
import type { PaymentsDeps } from "./worker";

const p = procedures<PaymentsDeps>();

export const paymentsRouter = router({
  setCreditLimit: p.internal.input(setCreditLimitInput).mutation(({ ctx, input }) => setCreditLimit(ctx.deps.db, input, ctx.deps.now())),
  getAccount: p.internal.input(getAccountInput).query(({ ctx, input }) => getAccount(ctx.deps.db, input.customerId)),
  authorize: p.internal.input(authorizeInput).mutation(({ ctx, input }) => authorizePayment(ctx.deps.db, input, ctx.deps.now())),
  capture: p.internal.input(orderIdInput).mutation(({ ctx, input }) => capturePayment(ctx.deps.db, input.orderId, ctx.deps.now())),
  void: p.internal.input(orderIdInput).mutation(({ ctx, input }) => voidPayment(ctx.deps.db, input.orderId, ctx.deps.now())),
  payments: p.internal.input(paymentsInput).query(({ ctx, input }) => listPayments(ctx.deps.db, input)),
  /** Admin: every account and payment, for `npm run mesh -- check`. */
  audit: p.internal.query(({ ctx }) => auditPayments(ctx.deps.db)),
});

export type PaymentsRouter = typeof paymentsRouter;
