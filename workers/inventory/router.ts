/** inventory's tRPC procedures: thin wrappers of service.ts. Peers import only `type InventoryRouter`. */
import { router, procedures, answers } from "../../shared/rpc/trpc";
import { operatorCallers } from "../../shared/rpc/identity";
import { getManyStockInput, orderIdInput, reservationsInput, reserveInput } from "./schema";
import { getStockInput, setStockInput, stockOutput } from "./contract";
import { auditInventory, commitReservation, getStock, getStocks, listReservations, releaseReservation, reserveStock, setStock } from "./service";
import type { InventoryContext } from "./deps";

const p = procedures<InventoryContext>();

export const inventoryRouter = router({
  setStock: p
    .callers("gateway", ...operatorCallers)
    .input(setStockInput)
    .concat(answers(stockOutput))
    .mutation(({ ctx, input }) => setStock(ctx.deps.db, input, ctx.deps.now())),
  get: p.internal
    .input(getStockInput)
    .concat(answers(stockOutput))
    .query(({ ctx, input }) => getStock(ctx.deps.db, input.productId)),
  getMany: p.internal.input(getManyStockInput).query(({ ctx, input }) => getStocks(ctx.deps.db, input.productIds)),
  reserve: p
    .callers("orders")
    .input(reserveInput)
    .mutation(({ ctx, input }) => reserveStock(ctx.deps.queries, input, ctx.deps.now())),
  release: p
    .callers("orders")
    .input(orderIdInput)
    .mutation(({ ctx, input }) => releaseReservation(ctx.deps.queries, input.orderId, ctx.deps.now())),
  commit: p
    .callers("orders")
    .input(orderIdInput)
    .mutation(({ ctx, input }) => commitReservation(ctx.deps.queries, input.orderId, ctx.deps.now())),
  reservations: p.internal.input(reservationsInput).query(({ ctx, input }) => listReservations(ctx.deps.db, input)),
  /** Admin: every stock row and reservation, for `npm run mesh -- check`. */
  audit: p.callers(...operatorCallers).query(({ ctx }) => auditInventory(ctx.deps.db)),
});

export type InventoryRouter = typeof inventoryRouter;
