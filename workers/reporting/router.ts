/** reporting's tRPC procedures: read-model queries (each honouring a consistency token) and the admin rebuild. */
import { router, procedures, answers } from "../../shared/rpc/trpc";
import { operatorCallers } from "../../shared/rpc/identity";
import { DomainError } from "../../shared/core/errors";
import { customerReport, dailyRevenue, positions, readModelSnapshot, salesReport } from "./service";
import { customerReportInput, customerReportOutput, revenueByDayInput, salesReportInput, salesReportOutput } from "./contract";
import type { ReportingContext } from "./deps";

const p = procedures<ReportingContext>();

// Every read of a read model goes through the gate: with a consistency token it waits for the token's events (READ_WAIT_MS).
export const reportingRouter = router({
  sales: p.internal
    .input(salesReportInput.default({ limit: 20 }))
    .concat(answers(salesReportOutput))
    .query(({ ctx, input }) => ctx.deps.readModel.read(() => salesReport(ctx.deps.db, input))),
  customer: p.internal
    .input(customerReportInput)
    .concat(answers(customerReportOutput))
    .query(({ ctx, input }) => ctx.deps.readModel.read(() => customerReport(ctx.deps.db, input.customerId))),
  revenueByDay: p.internal.input(revenueByDayInput).query(({ ctx, input }) => ctx.deps.readModel.read(() => dailyRevenue(ctx.deps.db, input))),
  positions: p.internal.query(({ ctx }) => positions(ctx.deps.db)),
  snapshot: p.callers(...operatorCallers).query(({ ctx }) => readModelSnapshot(ctx.deps.db)),
  rebuild: p.callers(...operatorCallers).mutation(async ({ ctx }) => {
    if (!ctx.deps.rebuild) throw new DomainError("PEER_UNAVAILABLE", "reporting has no event bus: nothing to rebuild from");
    return ctx.deps.rebuild();
  }),
});

export type ReportingRouter = typeof reportingRouter;
