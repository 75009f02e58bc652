/** catalog's tRPC procedures: thin wrappers of service.ts. Peers import only `type CatalogRouter`. */
import { z } from "zod";
import { router, procedures, answers } from "../../shared/rpc/trpc";
import { createProductInput, getProductInput, listProductsInput, productOutput, productPageOutput, productsOutput, searchProductsInput, updateProductInput } from "./contract";
import { createProduct, getProduct, getProducts, listProducts, updateProduct } from "./service";
import { searchProducts } from "./search";
import type { CatalogContext } from "./deps";

const p = procedures<CatalogContext>();
const id = z.string().min(1).max(64);

export const catalogRouter = router({
  create: p
    .callers("gateway")
    .input(createProductInput)
    .concat(answers(productOutput))
    .mutation(({ ctx, input }) => createProduct(ctx.deps.db, input, ctx.deps.now())),
  get: p.internal
    .input(getProductInput)
    .concat(answers(productOutput))
    .query(({ ctx, input }) => getProduct(ctx.deps.queries, input.id)),
  getMany: p.internal.input(z.strictObject({ ids: z.array(id).min(1).max(100) })).query(({ ctx, input }) => getProducts(ctx.deps.queries, input.ids)),
  update: p
    .callers("gateway")
    .input(updateProductInput)
    .concat(answers(productOutput))
    .mutation(({ ctx, input }) => updateProduct(ctx.deps.db, input, ctx.deps.now())),
  search: p.internal
    .input(searchProductsInput)
    .concat(answers(productsOutput))
    .query(({ ctx, input }) => searchProducts(ctx.deps.db, input)),
  list: p.internal
    .input(listProductsInput)
    .concat(answers(productPageOutput))
    .query(({ ctx, input }) => listProducts(ctx.deps.db, input)),
});

export type CatalogRouter = typeof catalogRouter;
