/**
 * The public REST API as data: each row maps `method path` onto a procedure of the public router
 * (router.ts), says where its input comes from, the status of success and whether it needs the
 * admin API key or takes an Idempotency-Key. rest.ts serves the rows through the router's caller,
 * so a new endpoint is one procedure plus one row here (and the table is what the OpenAPI document,
 * openapi.ts, is generated from: each success body is the procedure's output schema, or the row's
 * `bodies` where its `answer` gives another).
 */
import type { z } from "zod";
import type { AnyTRPCProcedure, inferProcedureOutput } from "@trpc/server";
import type { GatewayRouter } from "./router";
import { endedOrderOutput, pendingOrderOutput, cancellingOrderOutput } from "./outputs";

type Procedures = GatewayRouter["_def"]["record"];

/** "users.register", "products.get", …: the dotted path of every procedure of the public router. */
type PathsOf<R, Prefix extends string = ""> = {
  [K in keyof R & string]: R[K] extends AnyTRPCProcedure ? `${Prefix}${K}` : PathsOf<R[K], `${Prefix}${K}.`>;
}[keyof R & string];
export type GatewayProcedurePath = PathsOf<Procedures>;

type ProcedureAt<R, P extends string> = P extends `${infer Head}.${infer Rest}` ? (Head extends keyof R ? ProcedureAt<R[Head], Rest> : never) : P extends keyof R ? R[P] : never;
type OutputOf<P extends GatewayProcedurePath> = ProcedureAt<Procedures, P> extends infer Proc extends AnyTRPCProcedure ? inferProcedureOutput<Proc> : never;

export type RestMethod = "GET" | "POST" | "PUT" | "PATCH";
export type SuccessStatus = 200 | 201 | 202;

/** What a row answers other than `status` with the procedure's result as the body. */
export interface RestAnswer {
  status: SuccessStatus;
  body: unknown;
  headers?: Record<string, string>;
}

/** A row either answers `status` with the procedure's result, or says by `answer` what else, with the schema of each body it may give. */
type Answering<P extends GatewayProcedurePath> =
  | { answer?: undefined; bodies?: undefined }
  | {
      /** An answer other than `status` + result, from the result. */
      answer: (result: OutputOf<P>) => RestAnswer;
      /** Each status `answer` may give, with its body's schema (the OpenAPI document's). */
      bodies: Partial<Record<SuccessStatus, z.ZodType>>;
    };

export type RestRoute<P extends GatewayProcedurePath = GatewayProcedurePath> = RestRow<P> & Answering<P>;

interface RestRow<P extends GatewayProcedurePath> {
  method: RestMethod;
  /** Hono's path syntax; each `:name` is a path parameter. */
  path: string;
  procedure: P;
  /** Path parameters whose input field has another name, e.g. `{ id: "customerId" }`; the others keep theirs. An error names the parameter. */
  params?: Record<string, string>;
  /** Where the input beyond the path parameters comes from: the query string or the JSON body (none: nothing more). */
  from?: "query" | "body";
  /** The body may be left out: none reads as `{}` (a row whose input is all in the path and headers, which curl users still send `{}` to). */
  bodyOptional?: true;
  /** The Idempotency-Key header becomes the procedure's `idempotencyKey` input field. */
  idempotencyKey?: boolean;
  /** Needs `Authorization: Bearer <admin API key>`, checked before the body is read (401 otherwise). */
  admin?: boolean;
  /** Of the rows with the same method and path, the first whose `when` holds on the query string serves. */
  when?: (query: Record<string, string>) => boolean;
  /** The status of success, with the procedure's result as the body (unless `answer` says otherwise). */
  status: SuccessStatus;
}

/** A row of the table, with `answer` typed by its procedure's output. */
function route<P extends GatewayProcedurePath>(row: RestRoute<P>): RestRoute {
  return row as unknown as RestRoute;
}

/** Wildcard areas where every request needs the admin API key, unknown routes too (refused 401 rather than 404). */
export const adminAreas: readonly { method: RestMethod | "ALL"; path: string }[] = [
  { method: "PUT", path: "/api/inventory/*" },
  { method: "ALL", path: "/api/admin/*" },
];

const byCustomer = { params: { id: "customerId" } };

export const restRoutes: readonly RestRoute[] = [
  route({ method: "POST", path: "/api/users", procedure: "users.register", from: "body", idempotencyKey: true, status: 201 }),
  route({ method: "GET", path: "/api/users/:id", procedure: "users.get", status: 200 }),

  // Who may write the catalog: the admin, as for stock and credit (else a stranger could set a price to 0).
  route({ method: "POST", path: "/api/products", procedure: "products.create", from: "body", idempotencyKey: true, admin: true, status: 201 }),
  // With `q` a full-text search, without it the catalog page by page.
  route({ method: "GET", path: "/api/products", procedure: "products.search", from: "query", when: (query) => query["q"] !== undefined, status: 200 }),
  route({ method: "GET", path: "/api/products", procedure: "products.list", from: "query", status: 200 }),
  route({ method: "GET", path: "/api/products/:id", procedure: "products.get", status: 200 }),
  route({ method: "PATCH", path: "/api/products/:id", procedure: "products.update", from: "body", admin: true, status: 200 }),

  // Stock is kept only for products catalog knows: an unknown product is a 404, not a new row.
  route({ method: "PUT", path: "/api/inventory/:productId", procedure: "inventory.set", from: "body", admin: true, status: 200 }),
  route({ method: "GET", path: "/api/inventory/:productId", procedure: "inventory.get", status: 200 }),

  route({ method: "PUT", path: "/api/customers/:id/credit", procedure: "credit.set", ...byCustomer, from: "body", admin: true, status: 200 }),
  route({ method: "GET", path: "/api/customers/:id/credit", procedure: "credit.get", ...byCustomer, status: 200 }),
  // A page of the customer's orders: ?limit= (1–100, default 20) and ?cursor= (the previous page's nextCursor).
  route({ method: "GET", path: "/api/customers/:id/orders", procedure: "orders.byCustomer", ...byCustomer, from: "query", status: 200 }),
  route({ method: "GET", path: "/api/customers/:id/summary", procedure: "customers.summary", ...byCustomer, status: 200 }),

  // 201 once the saga has ended (CONFIRMED or REJECTED), 202 while the order is still PENDING.
  route({
    method: "POST",
    path: "/api/orders",
    procedure: "orders.place",
    from: "body",
    idempotencyKey: true,
    status: 201,
    bodies: { 201: endedOrderOutput, 202: pendingOrderOutput },
    answer: ({ order, completed }) => ({ status: completed ? 201 : 202, body: order, headers: { location: `/api/orders/${order.id}` } }),
  }),
  route({ method: "GET", path: "/api/orders/:id", procedure: "orders.get", status: 200 }),
  // 202: the cancellation is under way (CANCELLING; its reactions are events), the order's location to follow it.
  // Everything it takes is in the path and the key: the body is `{}` or none, and anything in it is refused.
  route({
    method: "POST",
    path: "/api/orders/:id/cancel",
    procedure: "orders.cancel",
    idempotencyKey: true,
    from: "body",
    bodyOptional: true,
    status: 202,
    bodies: { 202: cancellingOrderOutput },
    answer: (order) => ({ status: 202, body: order, headers: { location: `/api/orders/${order.id}` } }),
  }),

  // Reports come only from reporting: without it there is no answer to give (503 naming it).
  route({ method: "GET", path: "/api/reports/sales", procedure: "reports.sales", from: "query", status: 200 }),
  route({ method: "GET", path: "/api/reports/customers/:id", procedure: "reports.customer", ...byCustomer, status: 200 }),

  route({ method: "GET", path: "/api/admin/sagas", procedure: "orders.sagas", from: "query", admin: true, status: 200 }),

  // 200 even when some worker is down: the composed answer is complete, and says so in `ready` and
  // `degraded` (503 is kept for answers that cannot be formed). Load balancers probe /health/ready.
  route({ method: "GET", path: "/health", procedure: "health", status: 200 }),
];
