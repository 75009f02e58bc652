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
import { customerReportInput, customerReportOutput, salesReportOutput } from "../reporting/contract";
import { customerSummaryInput } from "./inputs";
import { customerSummaryOutput, meshHealthOutput, productWithStockOutput } from "./outputs";
import { customerOrders, customerSummary, meshHealth, productWithStock } from "./compose";
import * as service from "./service";
import type { GatewayDeps } from "./deps";

const p = procedures<GatewayDeps>().public;
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
      .concat(answers(userOutput))
      .mutation(({ ctx, input }) => service.registerUser(ctx.deps.peers, input)),
    get: p
      .input(getUserInput)
      .concat(answers(userOutput))
      .query(({ ctx, input }) => service.getUser(ctx.deps.peers, input.id)),
  }),
  products: router({
    create: admin
      .input(createProductInput)
      .concat(answers(productOutput))
      .mutation(({ ctx, input }) => service.createProduct(ctx.deps.peers, input)),
    get: p
      .input(getProductInput)
      .concat(answers(productWithStockOutput))
      .query(({ ctx, input }) => productWithStock(ctx.deps, input.id)),
    update: admin
      .input(updateProductInput)
      .concat(answers(productOutput))
      .mutation(({ ctx, input }) => service.updateProduct(ctx.deps.peers, input)),
    search: p
      .input(searchProductsInput)
      .concat(answers(productsOutput))
      .query(({ ctx, input }) => service.searchProducts(ctx.deps.peers, input)),
    list: p
      .input(listProductsInput)
      .concat(answers(productPageOutput))
      .query(({ ctx, input }) => service.listProducts(ctx.deps.peers, input)),
  }),
  inventory: router({
    set: admin
      .input(setStockInput)
      .concat(answers(stockOutput))
      .mutation(({ ctx, input }) => service.setStock(ctx.deps.peers, input)),
    get: p
      .input(getStockInput)
      .concat(answers(stockOutput))
      .query(({ ctx, input }) => service.getStock(ctx.deps.peers, input.productId)),
  }),
  credit: router({
    set: admin
      .input(setCreditLimitInput)
      .concat(answers(accountOutput))
      .mutation(({ ctx, input }) => service.setCredit(ctx.deps.peers, input)),
    get: p
      .input(getAccountInput)
      .concat(answers(accountOutput))
      .query(({ ctx, input }) => service.getCredit(ctx.deps.peers, input.customerId)),
  }),
  orders: router({
    place: p
      .input(placeOrderInput)
      .concat(answers(placedOrderOutput))
      .mutation(({ ctx, input }) => service.placeOrder(ctx.deps.peers, input, ctx.deps.orderPlaceTimeoutMs)),
    get: p
      .input(getOrderInput)
      .concat(answers(orderViewOutput))
      .query(({ ctx, input }) => service.getOrder(ctx.deps.peers, input.id)),
    cancel: p
      .input(cancelOrderInput)
      .concat(answers(orderOutput))
      .mutation(({ ctx, input }) => cancelOrder(ctx.deps.peers, input)),
    byCustomer: p
      .input(ordersOfCustomerInput)
      .concat(answers(ordersOutput))
      .query(({ ctx, input }) => customerOrders(ctx.deps, input.customerId)),
    sagas: admin
      .input(listSagasInput)
      .concat(answers(sagasOutput))
      .query(({ ctx, input }) => service.listSagas(ctx.deps.peers, input)),
  }),
  customers: router({
    summary: p
      .input(customerSummaryInput)
      .concat(answers(customerSummaryOutput))
      .query(({ ctx, input }) => customerSummary(ctx.deps, input.customerId)),
  }),
  reports: router({
    sales: p.concat(answers(salesReportOutput)).query(({ ctx }) => service.salesReport(ctx.deps.peers)),
    customer: p
      .input(customerReportInput)
      .concat(answers(customerReportOutput))
      .query(({ ctx, input }) => service.customerReport(ctx.deps.peers, input.customerId)),
  }),
  health: p.concat(answers(meshHealthOutput)).query(({ ctx }) => meshHealth(ctx.deps)),
});

export type GatewayRouter = typeof gatewayRouter;
