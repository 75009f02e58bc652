/**
 * The gateway's public tRPC router, for typed clients (`createGatewayClient` in client.ts): the
 * same operations as the REST API, calling the same functions in service.ts and compose.ts.
 */
import { z } from "zod";
import { router, procedures } from "../../shared/trpc";
import {
  createProductInput,
  entityId,
  listProductsQuery,
  placeOrderInput,
  registerUserInput,
  sagasQuery,
  searchProductsQuery,
  setCreditBody,
  setStockBody,
  updateProductInput,
} from "./inputs";
import { customerOrders, customerSummary, meshHealth, productWithStock } from "./compose";
import * as service from "./service";
import { adminKeyRequired } from "./rest";
import { middleware } from "../../shared/trpc";
import type { GatewayDeps } from "./deps";

const p = procedures<GatewayDeps>().public;
/** The tRPC equivalents of the admin REST routes: the same admin API key (ctx.admin, set by createWorker). */
const admin = p.use(
  middleware(({ ctx, path, next }) => {
    if (!ctx.admin) throw adminKeyRequired(path);
    return next();
  }),
);
const byId = z.strictObject({ id: entityId });
const byProduct = z.strictObject({ productId: entityId });
const byCustomer = z.strictObject({ customerId: entityId });

export const gatewayRouter = router({
  users: router({
    register: p.input(registerUserInput).mutation(({ ctx, input }) => service.registerUser(ctx.deps.peers, input)),
    get: p.input(byId).query(({ ctx, input }) => service.getUser(ctx.deps.peers, input.id)),
  }),
  products: router({
    create: p.input(createProductInput).mutation(({ ctx, input }) => service.createProduct(ctx.deps.peers, input)),
    get: p.input(byId).query(({ ctx, input }) => productWithStock(ctx.deps, input.id)),
    update: p.input(updateProductInput).mutation(({ ctx, input }) => service.updateProduct(ctx.deps.peers, input)),
    search: p.input(searchProductsQuery).query(({ ctx, input }) => service.searchProducts(ctx.deps.peers, input)),
    list: p.input(listProductsQuery).query(({ ctx, input }) => service.listProducts(ctx.deps.peers, input)),
  }),
  inventory: router({
    set: admin.input(byProduct.extend(setStockBody.shape)).mutation(({ ctx, input }) => service.setStock(ctx.deps.peers, input)),
    get: p.input(byProduct).query(({ ctx, input }) => service.getStock(ctx.deps.peers, input.productId)),
  }),
  credit: router({
    set: admin.input(byCustomer.extend(setCreditBody.shape)).mutation(({ ctx, input }) => service.setCredit(ctx.deps.peers, input)),
    get: p.input(byCustomer).query(({ ctx, input }) => service.getCredit(ctx.deps.peers, input.customerId)),
  }),
  orders: router({
    place: p.input(placeOrderInput).mutation(({ ctx, input }) => service.placeOrder(ctx.deps.peers, input, ctx.deps.orderPlaceTimeoutMs)),
    get: p.input(byId).query(({ ctx, input }) => service.getOrder(ctx.deps.peers, input.id)),
    byCustomer: p.input(byCustomer).query(({ ctx, input }) => customerOrders(ctx.deps, input.customerId)),
    sagas: admin.input(sagasQuery).query(({ ctx, input }) => service.listSagas(ctx.deps.peers, input)),
  }),
  customers: router({
    summary: p.input(byCustomer).query(({ ctx, input }) => customerSummary(ctx.deps, input.customerId)),
  }),
  reports: router({
    sales: p.query(({ ctx }) => service.salesReport(ctx.deps.peers)),
    customer: p.input(byCustomer).query(({ ctx, input }) => service.customerReport(ctx.deps.peers, input.customerId)),
  }),
  health: p.query(({ ctx }) => meshHealth(ctx.deps)),
});

export type GatewayRouter = typeof gatewayRouter;
