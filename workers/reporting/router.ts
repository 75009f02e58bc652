/** reporting's tRPC procedures: read-model queries and the admin rebuild. */
import { router, procedures, answers } from "../../shared/rpc/trpc";
import { operatorCallers } from "../../shared/rpc/identity";
import { DomainError } from "../../shared/core/errors";
import { customerReport, dailyRevenue, positions, readModelSnapshot, salesReport } from "./service";
import { customerReportInput, customerReportOutput, salesReportOutput } from "./contract";
import type { ReportingDeps } from "./deps";

const p = procedures<ReportingDeps>();

export const reportingRouter = router({
  sales: p.internal.concat(answers(salesReportOutput)).query(({ ctx }) => salesReport(ctx.deps.db)),
  customer: p.internal
    .input(customerReportInput)
    .concat(answers(customerReportOutput))
    .query(({ ctx, input }) => customerReport(ctx.deps.db, input.customerId)),
  revenueByDay: p.internal.query(({ ctx }) => dailyRevenue(ctx.deps.db)),
  positions: p.internal.query(({ ctx }) => positions(ctx.deps.db)),
  snapshot: p.callers(...operatorCallers).query(({ ctx }) => readModelSnapshot(ctx.deps.db)),
  rebuild: p.callers(...operatorCallers).mutation(async ({ ctx }) => {
    if (!ctx.deps.rebuild) throw new DomainError("PEER_UNAVAILABLE", "reporting has no event bus: nothing to rebuild from");
    return ctx.deps.rebuild();
  }),
});

export type ReportingRouter = typeof reportingRouter;
