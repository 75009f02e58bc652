/**
 * The gateway's public API as the fuzz test sees it from outside: every REST route and public
 * tRPC procedure with the fields it takes (from README's API section), written here rather than
 * imported so the test holds whatever shape the gateway's code takes.
 */
import type { FieldKind } from "./fuzz-values";

/** Ids of what the test seeded: a bad request about them must still change nothing. */
export interface SeedIds {
  userId: string;
  productId: string;
}

export interface Field {
  name: string;
  kind: FieldKind;
  required: boolean;
  /** A valid value (as a JS value), so a request built from valid fields differs only where it is mutated. */
  valid: (ids: SeedIds, n: number) => unknown;
}

const field = (name: string, kind: FieldKind, valid: Field["valid"], required = true): Field => ({ name, kind, required, valid });
const optional = (name: string, kind: FieldKind, valid: Field["valid"]) => field(name, kind, valid, false);

const userFields = [field("email", "email", (_ids, n) => `fuzz-${n}@example.com`), field("name", "name", () => "Fuzz Shopper")];
const productFields = [
  field("sku", "sku", (_ids, n) => `FUZZ-${n}`),
  field("name", "name", () => "Fuzz kettle"),
  optional("description", "description", () => "boils water"),
  field("priceCents", "cents", () => 1234),
  optional("attributes", "attributes", () => ({ colour: "red" })),
];
const productChanges = [
  optional("name", "name", () => "Renamed kettle"),
  optional("description", "description", () => null),
  optional("priceCents", "cents", () => 999),
  optional("attributes", "attributes", () => ({ size: 2 })),
];
const stockFields = [field("onHand", "onHand", () => 5)];
const creditFields = [field("limitCents", "cents", () => 5000)];
const orderFields = [field("customerId", "id", (ids) => ids.userId), field("items", "items", (ids) => [{ productId: ids.productId, quantity: 1 }])];
const searchFields = [field("q", "q", () => "kettle"), optional("limit", "limit100", () => 10)];
const listFields = [optional("limit", "limit100", () => 20)];
const pageFields = [optional("limit", "limit100", () => 10)];
const sagaFields = [optional("status", "status", () => "DONE"), optional("limit", "limit100", () => 10)];
const idempotencyKey = optional("idempotencyKey", "idempotencyKey", (_ids, n) => `fuzz-key-${n}`);

const userId = (name: string) => field(name, "id", (ids) => ids.userId);
const productId = (name: string) => field(name, "id", (ids) => ids.productId);

/** What the rules of a route or procedure add beyond its fields. */
interface Traits {
  /** Needs the admin API key (stock, credit, sagas, catalog writes). */
  admin?: boolean;
  /** A catalog write: the admin-key test sends it without the key. */
  catalogWrite?: boolean;
  /**
   * An unknown (well-formed) id answers 200, by design: reporting knows customers only through
   * orders, inventory and payments hold stock and credit per id without a list of products or
   * customers (a product never stocked has 0 on hand), so they answer zeros.
   */
  unknownIdAnswers?: boolean;
  /** Every field optional but at least one needed (PATCH). */
  needsOneOf?: boolean;
  /** The input itself may be left out (every field has a default): no input is a valid call, not a bad one. */
  inputOptional?: boolean;
}

export interface RestRoute extends Traits {
  method: "GET" | "POST" | "PUT" | "PATCH";
  /** The route as README writes it: `:name` for a path parameter. */
  pattern: string;
  params: Field[];
  body?: Field[];
  query?: Field[];
  /** Takes an `Idempotency-Key` header. */
  keyed?: boolean;
}

export const restRoutes: RestRoute[] = [
  { method: "POST", pattern: "/api/users", params: [], body: userFields, keyed: true },
  { method: "GET", pattern: "/api/users/:id", params: [userId("id")] },
  { method: "POST", pattern: "/api/products", params: [], body: productFields, keyed: true, admin: true, catalogWrite: true },
  { method: "GET", pattern: "/api/products", params: [], query: listFields },
  { method: "GET", pattern: "/api/products", params: [], query: searchFields },
  { method: "GET", pattern: "/api/products/:id", params: [productId("id")] },
  { method: "PATCH", pattern: "/api/products/:id", params: [productId("id")], body: productChanges, admin: true, catalogWrite: true, needsOneOf: true },
  { method: "PUT", pattern: "/api/inventory/:productId", params: [productId("productId")], body: stockFields, admin: true },
  { method: "GET", pattern: "/api/inventory/:productId", params: [productId("productId")], unknownIdAnswers: true },
  { method: "PUT", pattern: "/api/customers/:id/credit", params: [userId("id")], body: creditFields, admin: true },
  { method: "GET", pattern: "/api/customers/:id/credit", params: [userId("id")], unknownIdAnswers: true },
  { method: "GET", pattern: "/api/customers/:id/orders", params: [userId("id")], query: [optional("limit", "limit100", () => 10)] },
  { method: "GET", pattern: "/api/customers/:id/summary", params: [userId("id")] },
  { method: "POST", pattern: "/api/orders", params: [], body: orderFields, keyed: true },
  { method: "GET", pattern: "/api/orders/:id", params: [userId("id")] },
  { method: "GET", pattern: "/api/reports/customers/:id", params: [userId("id")], unknownIdAnswers: true },
  { method: "GET", pattern: "/api/admin/sagas", params: [], query: sagaFields, admin: true },
  { method: "GET", pattern: "/api/reports/sales", params: [], query: pageFields },
];

/** REST routes that take no input at all: only a wrong method or path can make them bad. */
export const inputlessRestRoutes = ["/health"];

export interface TrpcProcedure extends Traits {
  path: string;
  type: "query" | "mutation";
  /** Absent: the procedure takes no input. */
  input?: Field[];
}

const query = (path: string, input?: Field[], traits: Traits = {}): TrpcProcedure => ({ path, type: "query", ...(input ? { input } : {}), ...traits });
const mutation = (path: string, input: Field[], traits: Traits = {}): TrpcProcedure => ({ path, type: "mutation", input, ...traits });

export const trpcProcedures: TrpcProcedure[] = [
  mutation("users.register", [...userFields, idempotencyKey]),
  query("users.get", [userId("id")]),
  mutation("products.create", [...productFields, idempotencyKey], { admin: true, catalogWrite: true }),
  query("products.get", [productId("id")]),
  mutation("products.update", [productId("id"), ...productChanges], { admin: true, catalogWrite: true, needsOneOf: true }),
  query("products.search", searchFields),
  query("products.list", listFields),
  mutation("inventory.set", [productId("productId"), ...stockFields], { admin: true }),
  query("inventory.get", [productId("productId")], { unknownIdAnswers: true }),
  mutation("credit.set", [userId("customerId"), ...creditFields], { admin: true }),
  query("credit.get", [userId("customerId")], { unknownIdAnswers: true }),
  mutation("orders.place", [...orderFields, idempotencyKey]),
  query("orders.get", [userId("id")]),
  query("orders.byCustomer", [userId("customerId"), optional("limit", "limit100", () => 10)]),
  query("orders.sagas", sagaFields, { admin: true }),
  query("customers.summary", [userId("customerId")]),
  query("reports.sales", pageFields, { inputOptional: true }),
  query("reports.customer", [userId("customerId")], { unknownIdAnswers: true }),
  query("health"),
];
