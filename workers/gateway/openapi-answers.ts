/**
 * The success answers of /openapi.json, from the procedures' output schemas (`answers` in
 * shared/rpc/trpc.ts; the owners' contract.ts and outputs.ts): each body is a `$ref` into
 * `components.schemas`, where a schema several answers share (an order, a product) has one name,
 * so a client generated from the document gets one type for it. Rows sharing an endpoint answer
 * any of their bodies (`anyOf`).
 */
import { z } from "zod";
import { userOutput } from "../users/contract";
import { productOutput, productPageOutput, productsOutput } from "../catalog/contract";
import { stockOutput } from "../inventory/contract";
import { accountOutput } from "../payments/contract";
import { cancellationOutput, orderLineOutput, orderOutput, ordersOutput, orderViewOutput, sagasOutput, sagaViewOutput } from "../orders/contract";
import { customerReportOutput, salesReportOutput } from "../reporting/contract";
import { cancellingOrderOutput, customerSummaryOutput, endedOrderOutput, meshHealthOutput, pendingOrderOutput, productWithStockOutput, workerHealthOutput } from "./outputs";
import { outputSchemaAt } from "./rest";
import type { RestRoute, SuccessStatus } from "./rest-routes";

type JsonSchema = Record<string, unknown>;

/** The answers' schemas by the name they have in the document (a schema not named here is inlined where it is used). */
const namedSchemas: Record<string, z.ZodType> = {
  User: userOutput,
  Product: productOutput,
  Products: productsOutput,
  ProductPage: productPageOutput,
  ProductWithStock: productWithStockOutput,
  Stock: stockOutput,
  Account: accountOutput,
  OrderLine: orderLineOutput,
  Order: orderOutput,
  Orders: ordersOutput,
  EndedOrder: endedOrderOutput,
  PendingOrder: pendingOrderOutput,
  CancellingOrder: cancellingOrderOutput,
  Cancellation: cancellationOutput,
  OrderView: orderViewOutput,
  Saga: sagaViewOutput,
  Sagas: sagasOutput,
  SalesReport: salesReportOutput,
  CustomerReport: customerReportOutput,
  CustomerSummary: customerSummaryOutput,
  WorkerHealth: workerHealthOutput,
  MeshHealth: meshHealthOutput,
};

/** `orders.byCustomer` at 200 → `OrdersByCustomer200`: the name of an answer no entry above names. */
function answerName(row: RestRoute, status: SuccessStatus): string {
  return `${row.procedure.replace(/(^|\.)(\w)/g, (_, __, letter: string) => letter.toUpperCase())}${status}`;
}

/** Each success status of the row with its body's schema: the procedure's output, or the row's own `bodies`. */
export function bodiesOf(row: RestRoute): [SuccessStatus, z.ZodType][] {
  if (row.bodies) return Object.entries(row.bodies).map(([status, schema]) => [Number(status) as SuccessStatus, schema]);
  return [[row.status, outputSchemaAt(row.procedure)]];
}

/**
 * The answers of one document: `bodyOf` gives an endpoint's body per success status (each a `$ref`,
 * or `anyOf` them), and `components()` the named schemas they refer to, converted once by zod.
 */
export function createAnswerSchemas() {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(namedSchemas)) registry.add(schema, { id });
  const refOf = (row: RestRoute, status: SuccessStatus, schema: z.ZodType): JsonSchema => {
    if (!registry.has(schema)) registry.add(schema, { id: answerName(row, status) });
    return { $ref: `#/components/schemas/${registry.get(schema)!.id}` };
  };
  return {
    bodiesOf(rows: RestRoute[]): Map<SuccessStatus, JsonSchema> {
      const refs = new Map<SuccessStatus, JsonSchema[]>();
      for (const row of rows) for (const [status, schema] of bodiesOf(row)) refs.set(status, [...(refs.get(status) ?? []), refOf(row, status, schema)]);
      return new Map([...refs].map(([status, found]) => [status, found.length === 1 ? found[0]! : { anyOf: found }]));
    },
    components(): Record<string, JsonSchema> {
      const { schemas } = z.toJSONSchema(registry, { io: "output", uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, JsonSchema> };
      return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _, $id: __, ...schema }]) => [id, schema]));
    },
  };
}
