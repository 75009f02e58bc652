/**
 * The public REST API (JSON): each route checks its input (path, query, body) against the strict
 * schemas of inputs.ts, so bad input is refused before any peer is called, then calls the same
 * functions as the tRPC router. A success body is the resource itself; errors go through errors.ts.
 */
import { Hono, type Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { DomainError } from "../../shared/errors";
import { idempotencyHeader } from "../../shared/request-scope";
import { createAdminKeyCheck } from "../../shared/identity";
import type { WorkerEnv } from "../../shared/worker";
import { badInput, errorAnswer } from "./errors";
import {
  createProductBody,
  entityId,
  idempotencyKey,
  listProductsQuery,
  placeOrderBody,
  registerUserBody,
  sagasQuery,
  searchProductsQuery,
  setCreditBody,
  setStockBody,
  updateProductBody,
} from "./inputs";
import { customerOrders, customerSummary, meshHealth, productWithStock } from "./compose";
import * as service from "./service";
import type { GatewayDeps } from "./deps";

type Ctx = Context<WorkerEnv>;

function check<S extends z.ZodType>(schema: S, value: unknown, prefix = ""): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw badInput(result.error, prefix);
  return result.data;
}

async function body<S extends z.ZodType>(c: Ctx, schema: S): Promise<z.output<S>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await c.req.text());
  } catch {
    throw new DomainError("BAD_INPUT", "body is not valid JSON");
  }
  return check(schema, parsed);
}

/** A path parameter, refused by its name when it cannot be an id. */
function param(c: Ctx, name: string): string {
  return check(entityId, c.req.param(name), name);
}

/** The query string; a numeric `limit` becomes a number so the query schemas can check it. */
function query<S extends z.ZodType>(c: Ctx, schema: S): z.output<S> {
  const values: Record<string, string | number> = { ...c.req.query() };
  const limit = values["limit"];
  if (typeof limit === "string" && /^-?\d+(\.\d+)?$/.test(limit)) values["limit"] = Number(limit);
  return check(schema, values);
}

/** The checked Idempotency-Key header as the keyed writes' input field; nothing when the caller sent none. */
function keyOf(c: Ctx): { idempotencyKey?: string } {
  const header = c.req.header(idempotencyHeader);
  return header === undefined ? {} : { idempotencyKey: check(idempotencyKey, header, "Idempotency-Key") };
}

/** 401 for an admin route called without the admin API key (never says what the key is). */
export function adminKeyRequired(what: string): DomainError {
  return new DomainError("UNAUTHENTICATED", `${what} needs the admin API key: send Authorization: Bearer <ADMIN_API_KEY>`);
}

export function registerRestRoutes(app: Hono<WorkerEnv>, deps: GatewayDeps): void {
  const { peers } = deps;
  const api = new Hono<WorkerEnv>();

  // Body size is bounded for every route by createWorker (BODY_LIMIT_BYTES, 64 KiB by default).

  // Writes that change stock or credit, and the admin routes, need the admin API key; checked
  // before the body is read, so a refused call changes nothing and learns nothing.
  const isAdmin = createAdminKeyCheck(deps.adminApiKey);
  const adminOnly = async (c: Ctx, next: () => Promise<void>) => {
    if (!isAdmin(c.req.header("authorization"))) throw adminKeyRequired(`${c.req.method} ${c.req.path}`);
    await next();
  };
  api.put("/api/inventory/*", adminOnly);
  api.put("/api/customers/:id/credit", adminOnly);
  api.use("/api/admin/*", adminOnly);

  // Keyed writes: a repeat with the same Idempotency-Key answers as the first did (the owner remembers the key).
  api.post("/api/users", async (c) => {
    const key = keyOf(c);
    return c.json(await service.registerUser(peers, { ...(await body(c, registerUserBody)), ...key }), 201);
  });
  api.get("/api/users/:id", async (c) => c.json(await service.getUser(peers, param(c, "id"))));

  api.post("/api/products", async (c) => {
    const key = keyOf(c);
    return c.json(await service.createProduct(peers, { ...(await body(c, createProductBody)), ...key }), 201);
  });
  api.get("/api/products", async (c) =>
    c.req.query("q") === undefined
      ? c.json(await service.listProducts(peers, query(c, listProductsQuery)))
      : c.json(await service.searchProducts(peers, query(c, searchProductsQuery))),
  );
  api.get("/api/products/:id", async (c) => c.json(await productWithStock(deps, param(c, "id"))));
  api.patch("/api/products/:id", async (c) => {
    const id = param(c, "id");
    return c.json(await service.updateProduct(peers, { id, ...(await body(c, updateProductBody)) }));
  });

  api.put("/api/inventory/:productId", async (c) => {
    const productId = param(c, "productId");
    return c.json(await service.setStock(peers, { productId, ...(await body(c, setStockBody)) }));
  });
  api.get("/api/inventory/:productId", async (c) => c.json(await service.getStock(peers, param(c, "productId"))));

  api.put("/api/customers/:id/credit", async (c) => {
    const customerId = param(c, "id");
    return c.json(await service.setCredit(peers, { customerId, ...(await body(c, setCreditBody)) }));
  });
  api.get("/api/customers/:id/credit", async (c) => c.json(await service.getCredit(peers, param(c, "id"))));
  api.get("/api/customers/:id/orders", async (c) => c.json(await customerOrders(deps, param(c, "id"))));
  api.get("/api/customers/:id/summary", async (c) => c.json(await customerSummary(deps, param(c, "id"))));

  // 201 once the saga has ended (CONFIRMED or REJECTED), 202 while the order is still PENDING.
  api.post("/api/orders", async (c) => {
    const key = keyOf(c);
    const { order, completed } = await service.placeOrder(peers, { ...(await body(c, placeOrderBody)), ...key }, deps.orderPlaceTimeoutMs);
    c.header("location", `/api/orders/${order.id}`);
    return c.json(order, completed ? 201 : 202);
  });
  api.get("/api/orders/:id", async (c) => c.json(await service.getOrder(peers, param(c, "id"))));

  // Reports come only from reporting: without it there is no answer to give (503 naming it).
  api.get("/api/reports/sales", async (c) => c.json(await service.salesReport(peers)));
  api.get("/api/reports/customers/:id", async (c) => c.json(await service.customerReport(peers, param(c, "id"))));

  api.get("/api/admin/sagas", async (c) => c.json(await service.listSagas(peers, query(c, sagasQuery))));

  // 200 even when some worker is down: the composed answer is complete, and says so in `ready` and
  // `degraded` (503 is kept for answers that cannot be formed). Load balancers probe /health/ready.
  api.get("/health", async (c) => c.json(await meshHealth(deps)));

  api.all("/api/*", (c) => {
    throw new DomainError("NOT_FOUND", `no route ${c.req.method} ${c.req.path}`);
  });

  api.onError((error, c) => {
    const { status, body: answer, domainError } = errorAnswer(error);
    if (status >= 500) c.get("logger").error({ err: domainError, cause: domainError.cause, status }, `answered ${status}: ${domainError.message}`);
    return c.json(answer, status as ContentfulStatusCode);
  });

  app.route("/", api);
}
