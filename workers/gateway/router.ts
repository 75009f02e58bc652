/**
 * The gateway's public tRPC router: the one definition of every public operation. Typed clients
 * call it at `/trpc` (`createGatewayClient` in client.ts), and the REST API is a table of routes
 * onto its procedures (rest-routes.ts). Inputs are the owners' own schemas, from their contract.ts.
 */
import { router, procedures, middleware } from "../../shared/rpc/trpc";
import { adminKeyRequired } from "../../shared/middleware/admin-key";
import { getUserInput, registerUserInput } from "../users/contract";
import { createProductInput, getProductInput, listProductsInput, searchProductsInput, updateProductInput } from "../catalog/contract";
import { getStockInput, setStockInput } from "../inventory/contract";
import { getAccountInput, setCreditLimitInput } from "../payments/contract";
import { cancelOrderInput, getOrderInput, listSagasInput, ordersOfCustomerInput, placeOrderInput } from "../orders/contract";
import { cancelOrder } from "./cancel";
import { customerReportInput } from "../reporting/contract";
import { customerSummaryInput } from "./inputs";
import { customerOrders, customerSummary, meshHealth, productWithStock } from "./compose";
import * as service from "./service";
import { readAfter, readModelCall, tokenOnlyInput, withToken, withTokenInput } from "./consistency";
import type { GatewayContext } from "./deps";

const p = procedures<GatewayContext>().public;
/** Admin operations need the admin API key (ctx.admin, set by createWorker; REST checks it before reading the body). */
const admin = p.use(
  middleware(({ ctx, path, next }) => {
    if (!ctx.admin) throw adminKeyRequired(path);
    return next();
  }),
);

export const gatewayRouter = router({
  users: router({
    register: p.input(registerUserInput).mutation(async ({ ctx, input }) => withToken(ctx.deps, await service.registerUser(ctx.deps.peers, input))),
    get: p.input(getUserInput).query(({ ctx, input }) => service.getUser(ctx.deps.peers, input.id)),
  }),
  products: router({
    create: admin.input(createProductInput).mutation(async ({ ctx, input }) => withToken(ctx.deps, await service.createProduct(ctx.deps.peers, input))),
    // `inStock` is catalog's copy of inventory's levels: these reads honour a consistency token.
    get: p.input(withTokenInput(getProductInput)).query(({ ctx, input }) => productWithStock(ctx.deps, input.id, readAfter(ctx.deps, input))),
    update: admin.input(updateProductInput).mutation(async ({ ctx, input }) => withToken(ctx.deps, await service.updateProduct(ctx.deps.peers, input))),
    search: p
      .input(withTokenInput(searchProductsInput))
      .query(({ ctx, input: { consistencyToken, ...input } }) => service.searchProducts(ctx.deps.peers, input, readModelCall(ctx.deps, readAfter(ctx.deps, { consistencyToken })))),
    list: p
      .input(withTokenInput(listProductsInput))
      .query(({ ctx, input: { consistencyToken, ...input } }) => service.listProducts(ctx.deps.peers, input, readModelCall(ctx.deps, readAfter(ctx.deps, { consistencyToken })))),
  }),
  inventory: router({
    set: admin.input(setStockInput).mutation(async ({ ctx, input }) => withToken(ctx.deps, await service.setStock(ctx.deps.peers, input))),
    get: p.input(getStockInput).query(({ ctx, input }) => service.getStock(ctx.deps.peers, input.productId)),
  }),
  credit: router({
    set: admin.input(setCreditLimitInput).mutation(async ({ ctx, input }) => withToken(ctx.deps, await service.setCredit(ctx.deps.peers, input))),
    get: p.input(getAccountInput).query(({ ctx, input }) => service.getCredit(ctx.deps.peers, input.customerId)),
  }),
  orders: router({
    place: p.input(placeOrderInput).mutation(async ({ ctx, input }) => withToken(ctx.deps, await service.placeOrder(ctx.deps.peers, input, ctx.deps.orderPlaceTimeoutMs))),
    get: p.input(getOrderInput).query(({ ctx, input }) => service.getOrder(ctx.deps.peers, input.id)),
    cancel: p.input(cancelOrderInput).mutation(async ({ ctx, input }) => withToken(ctx.deps, await cancelOrder(ctx.deps.peers, input))),
    byCustomer: p.input(ordersOfCustomerInput).query(({ ctx, input }) => customerOrders(ctx.deps, input.customerId)),
    sagas: admin.input(listSagasInput).query(({ ctx, input }) => service.listSagas(ctx.deps.peers, input)),
  }),
  customers: router({
    summary: p.input(withTokenInput(customerSummaryInput)).query(({ ctx, input }) => customerSummary(ctx.deps, input.customerId, readAfter(ctx.deps, input))),
  }),
  reports: router({
    // reporting's read models: these reads honour a consistency token.
    sales: p.input(tokenOnlyInput).query(({ ctx, input }) => service.salesReport(ctx.deps.peers, readModelCall(ctx.deps, readAfter(ctx.deps, input)))),
    customer: p
      .input(withTokenInput(customerReportInput))
      .query(({ ctx, input }) => service.customerReport(ctx.deps.peers, input.customerId, readModelCall(ctx.deps, readAfter(ctx.deps, input)))),
  }),
  health: p.query(({ ctx }) => meshHealth(ctx.deps)),
});

export type GatewayRouter = typeof gatewayRouter;
