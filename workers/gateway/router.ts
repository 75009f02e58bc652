/**
 * The gateway's public tRPC router: the one definition of every public operation. Typed clients
 * call it at `/trpc` (`createGatewayClient` in client.ts), and the REST API is a table of routes
 * onto its procedures (rest-routes.ts). Inputs and answers are the owners' own schemas, from their
 * contract.ts (the compositions' answers from outputs.ts): each procedure's answer type is its schema.
 */
import { router, procedures, middleware, answers } from "../../shared/rpc/trpc";
import { adminKeyRequired } from "../../shared/middleware/admin-key";
import { getUserInput, registerUserInput, userOutput } from "../users/contract";
import { createProductInput, getProductInput, listProductsInput, productOutput, productPageOutput, productsOutput, searchProductsInput, updateProductInput } from "../catalog/contract";
import { getStockInput, setStockInput, stockOutput } from "../inventory/contract";
import { accountOutput, getAccountInput, setCreditLimitInput } from "../payments/contract";
import { cancelOrderInput, getOrderInput, listSagasInput, ordersOfCustomerInput, placeOrderInput, orderOutput, ordersOutput } from "../orders/contract";
import { orderViewOutput, placedOrderOutput, sagasOutput } from "../orders/contract";
import { cancelOrder } from "./cancel";
import { customerReportInput, customerReportOutput, salesReportInput, salesReportOutput } from "../reporting/contract";
import { customerSummaryInput } from "./inputs";
import { customerSummaryOutput, meshHealthOutput, productWithStockOutput } from "./outputs";
import { customerOrders, customerSummary, meshHealth, productWithStock } from "./compose";
import * as service from "./service";
import { readAfter, readModelCall, withToken, withTokenInput, withTokenOutput } from "./consistency";
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
    register: p
      .input(registerUserInput)
      .concat(answers(withTokenOutput(userOutput)))
      .mutation(async ({ ctx, input }) => withToken(ctx.deps, await service.registerUser(ctx.deps.peers, input))),
    get: p
      .input(getUserInput)
      .concat(answers(userOutput))
      .query(({ ctx, input }) => service.getUser(ctx.deps.peers, input.id)),
  }),
  products: router({
    create: admin
      .input(createProductInput)
      .concat(answers(withTokenOutput(productOutput)))
      .mutation(async ({ ctx, input }) => withToken(ctx.deps, await service.createProduct(ctx.deps.peers, input))),
    // `inStock` is catalog's copy of inventory's levels: these reads honour a consistency token.
    get: p
      .input(withTokenInput(getProductInput))
      .concat(answers(productWithStockOutput))
      .query(({ ctx, input }) => productWithStock(ctx.deps, input.id, readAfter(ctx.deps, input))),
    update: admin
      .input(updateProductInput)
      .concat(answers(withTokenOutput(productOutput)))
      .mutation(async ({ ctx, input }) => withToken(ctx.deps, await service.updateProduct(ctx.deps.peers, input))),
    search: p
      .input(withTokenInput(searchProductsInput))
      .concat(answers(productsOutput))
      .query(({ ctx, input: { consistencyToken, ...input } }) => service.searchProducts(ctx.deps.peers, input, readModelCall(ctx.deps, readAfter(ctx.deps, { consistencyToken })))),
    list: p
      .input(withTokenInput(listProductsInput))
      .concat(answers(productPageOutput))
      .query(({ ctx, input: { consistencyToken, ...input } }) => service.listProducts(ctx.deps.peers, input, readModelCall(ctx.deps, readAfter(ctx.deps, { consistencyToken })))),
  }),
  inventory: router({
    set: admin
      .input(setStockInput)
      .concat(answers(withTokenOutput(stockOutput)))
      .mutation(async ({ ctx, input }) => withToken(ctx.deps, await service.setStock(ctx.deps.peers, input))),
    get: p
      .input(getStockInput)
      .concat(answers(stockOutput))
      .query(({ ctx, input }) => service.getStock(ctx.deps.peers, input.productId)),
  }),
  credit: router({
    set: admin
      .input(setCreditLimitInput)
      .concat(answers(withTokenOutput(accountOutput)))
      .mutation(async ({ ctx, input }) => withToken(ctx.deps, await service.setCredit(ctx.deps.peers, input))),
    get: p
      .input(getAccountInput)
      .concat(answers(accountOutput))
      .query(({ ctx, input }) => service.getCredit(ctx.deps.peers, input.customerId)),
  }),
  orders: router({
    place: p
      .input(placeOrderInput)
      .concat(answers(withTokenOutput(placedOrderOutput)))
      .mutation(async ({ ctx, input }) => withToken(ctx.deps, await service.placeOrder(ctx.deps.peers, input, ctx.deps.orderPlaceTimeoutMs))),
    get: p
      .input(getOrderInput)
      .concat(answers(orderViewOutput))
      .query(({ ctx, input }) => service.getOrder(ctx.deps.peers, input.id)),
    cancel: p
      .input(cancelOrderInput)
      .concat(answers(withTokenOutput(orderOutput)))
      .mutation(async ({ ctx, input }) => withToken(ctx.deps, await cancelOrder(ctx.deps.peers, input))),
    byCustomer: p
      .input(ordersOfCustomerInput)
      .concat(answers(ordersOutput))
      .query(({ ctx, input }) => customerOrders(ctx.deps, input)),
    sagas: admin
      .input(listSagasInput)
      .concat(answers(sagasOutput))
      .query(({ ctx, input }) => service.listSagas(ctx.deps.peers, input)),
  }),
  customers: router({
    summary: p
      .input(withTokenInput(customerSummaryInput))
      .concat(answers(customerSummaryOutput))
      .query(({ ctx, input }) => customerSummary(ctx.deps, input.customerId, readAfter(ctx.deps, input))),
  }),
  reports: router({
    // reporting's read models: these reads honour a consistency token.
    sales: p
      .input(withTokenInput(salesReportInput).optional())
      .concat(answers(salesReportOutput))
      .query(({ ctx, input: { consistencyToken, ...page } = { limit: 20 } }) =>
        service.salesReport(ctx.deps.peers, page, readModelCall(ctx.deps, readAfter(ctx.deps, { consistencyToken }))),
      ),
    customer: p
      .input(withTokenInput(customerReportInput))
      .concat(answers(customerReportOutput))
      .query(({ ctx, input }) => service.customerReport(ctx.deps.peers, input.customerId, readModelCall(ctx.deps, readAfter(ctx.deps, input)))),
  }),
  health: p.concat(answers(meshHealthOutput)).query(({ ctx }) => meshHealth(ctx.deps)),
});

export type GatewayRouter = typeof gatewayRouter;
