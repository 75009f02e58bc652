/**
 * The OpenAPI 3.1 document of the public REST API, generated from the table the gateway serves
 * (rest-routes.ts), the procedures' own zod input schemas (through rest.ts's plan of each row) and
 * their output schemas (openapi-answers.ts), so the document cannot drift from what is served: a
 * new row is documented by being added. Every success body has its properties (202's pending
 * order, 201's created entity, lists, the compositions' partial form with `degraded`); errors
 * answer the one error shape; the consistency headers (a write's token, a read model's lag) are exact.
 */
import { z } from "zod";
import { domainErrorCodes } from "../../shared/core/errors";
import { correlationHeader } from "../../shared/core/request-scope";
import { consistencyTokenHeader, readModelLagHeader, readModelPositionHeader } from "../../shared/core/consistency-scope";
import { restRoutes, type RestRoute } from "./rest-routes";
import { endpointsOf, inputSchemaOf, planOf } from "./rest";
import { createAnswerSchemas } from "./openapi-answers";

type AnswerSchemas = ReturnType<typeof createAnswerSchemas>;

type JsonSchema = Record<string, unknown>;
type Parameter = { name: string; in: "path" | "query" | "header"; required: boolean; schema: JsonSchema; description?: string };

/** A zod schema as the JSON Schema of what a client sends (defaults optional), without its `$schema` line. */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  return rest;
}

/** `/api/users/:id` → `/api/users/{id}`. */
export function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, "{$1}");
}

const errorRef = { $ref: "#/components/schemas/Error" };
const correlationRef = { $ref: "#/components/parameters/CorrelationId" };
const responseHeaders = { [correlationHeader]: { $ref: "#/components/headers/CorrelationId" } };
const writeHeaders = { ...responseHeaders, [consistencyTokenHeader]: { $ref: "#/components/headers/ConsistencyToken" } };
const readModelHeaders = {
  ...responseHeaders,
  [readModelLagHeader]: { $ref: "#/components/headers/ReadModelLag" },
  [readModelPositionHeader]: { $ref: "#/components/headers/ReadModelPosition" },
};

/** Why each error status may answer a route; which of them a route lists is `errorStatusesOf`. */
const errorReasons: Record<number, string> = {
  400: "Bad input: a path parameter, header, query or body field is invalid (details.fields names each), or the x-consistency-token is tampered, foreign or malformed",
  401: "The admin API key is missing or wrong (Authorization: Bearer <ADMIN_API_KEY>)",
  404: "No such resource",
  409: "Conflict: the request contradicts the current state (e.g. out of stock, payment declined, idempotency key reused)",
  413: "The request body is larger than the gateway's BODY_LIMIT_BYTES",
  415: "The request has a body that is not JSON (send content-type: application/json)",
  503: "A worker needed for the answer is unavailable (named in the message)",
};

const readModelBehind =
  "; or READ_MODEL_BEHIND: the read model has not applied the consistency token's events within READ_WAIT_MS (details.lagMs; `retry-after` says when to ask again)";

/** The error statuses a row may answer: what its input, key, path and method make possible. */
export function errorStatusesOf(row: RestRoute): number[] {
  const plan = planOf(row);
  const takesInput = plan.params.length > 0 || plan.key !== null || plan.body !== null || plan.query;
  const statuses = [takesInput ? 400 : 0, row.admin ? 401 : 0, plan.params.length > 0 ? 404 : 0];
  if (row.method !== "GET") statuses.push(409, 413, 415);
  // Every route but the composed health answer needs some worker behind it.
  if (row.procedure !== "health") statuses.push(503);
  return statuses.filter((status) => status !== 0);
}

/** The fields of the row's input that the query string carries (its path parameters excluded). */
function queryParameters(row: RestRoute): Parameter[] {
  const schema = inputSchemaOf(row.procedure);
  if (row.from !== "query" || !schema) return [];
  const taken = new Set(planOf(row).params.map((param) => param.field));
  const object = jsonSchemaOf(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {})
    .filter(([name]) => !taken.has(name) && name !== "consistencyToken")
    .map(([name, fieldSchema]) => ({ name, in: "query", required: (object.required ?? []).includes(name), schema: fieldSchema }));
}

/** Rows sharing a method and path (told apart by `when`): a parameter is required only if every row needs it. */
function mergedQuery(rows: RestRoute[]): Parameter[] {
  const byName = new Map<string, Parameter[]>();
  for (const parameter of rows.flatMap(queryParameters)) byName.set(parameter.name, [...(byName.get(parameter.name) ?? []), parameter]);
  return [...byName.values()].map((found) => {
    const schemas = [...new Set(found.map((parameter) => JSON.stringify(parameter.schema)))].map((text) => JSON.parse(text) as JsonSchema);
    const everywhere = found.length === rows.length && found.every((parameter) => parameter.required);
    return { ...found[0]!, required: everywhere, schema: schemas.length === 1 ? schemas[0]! : { anyOf: schemas } };
  });
}

function parametersOf(rows: RestRoute[]): unknown[] {
  const [row] = rows as [RestRoute];
  const plan = planOf(row);
  const path: Parameter[] = plan.params.map(({ name, schema }) => ({ name, in: "path", required: true, schema: jsonSchemaOf(schema) }));
  const key: Parameter[] = plan.key
    ? [{ name: "Idempotency-Key", in: "header", required: !plan.key.safeParse(undefined).success, schema: jsonSchemaOf(plan.key), description: idempotencyText }]
    : [];
  const reads = readsReadModel(row) ? [consistencyRef, ...(plan.afterToken ? [afterParameter] : [])] : [];
  return [...path, ...key, ...mergedQuery(rows), ...reads, correlationRef];
}

/** The row reads a read model (its input takes a consistency token): it waits for the token's events. */
function readsReadModel(row: RestRoute): boolean {
  const schema = inputSchemaOf(row.procedure);
  return schema !== null && "consistencyToken" in schema.shape;
}

const consistencyRef = { $ref: "#/components/parameters/ConsistencyToken" };
const afterParameter: Parameter = {
  name: "after",
  in: "query",
  required: false,
  schema: { type: "string" },
  description: "A consistency token, as the x-consistency-token header (for links and browsers, where a header cannot be set)",
};

const idempotencyText = "Makes a retry safe: the same key with the same body answers the first call's result again instead of acting twice; with another body it is a 409.";

function successResponses(rows: RestRoute[], answers: AnswerSchemas): Record<string, unknown> {
  const [row] = rows as [RestRoute];
  const headers = row.method !== "GET" ? writeHeaders : readsReadModel(row) ? readModelHeaders : responseHeaders;
  const bodies = [...answers.bodiesOf(rows)].sort(([a], [b]) => a - b);
  const answer = (status: number, schema: unknown) => ({ description: successText(status), headers, content: { "application/json": { schema } } });
  return Object.fromEntries(bodies.map(([status, schema]) => [String(status), answer(status, schema)]));
}

function successText(status: number): string {
  if (status === 201) return "Created (or, for an order, its saga has ended: CONFIRMED or REJECTED)";
  if (status === 202) return "Accepted: the order is still PENDING (poll its Location)";
  return "OK";
}

function errorResponses(rows: RestRoute[]): Record<string, unknown> {
  const statuses = [...new Set(rows.flatMap(errorStatusesOf))].sort();
  const reads = readsReadModel(rows[0]!);
  const behind = { ...responseHeaders, "retry-after": { $ref: "#/components/headers/RetryAfter" }, [readModelLagHeader]: { $ref: "#/components/headers/ReadModelLag" } };
  const answer = (status: number) =>
    reads && status === 503
      ? { description: `${errorReasons[status]}${readModelBehind}`, headers: behind, content: { "application/json": { schema: errorRef } } }
      : { description: errorReasons[status], headers: responseHeaders, content: { "application/json": { schema: errorRef } } };
  return Object.fromEntries(statuses.map((status) => [String(status), answer(status)]));
}

/** The JSON body a row reads; an optional one is documented as such (`{}` or nothing). */
function requestBodyOf(row: RestRoute): Record<string, unknown> {
  const { body, bodyOptional } = planOf(row);
  if (!body) return {};
  const description = bodyOptional ? "Nothing to send: `{}`, or no body at all (any field is refused)" : undefined;
  return { requestBody: { required: !bodyOptional, ...(description ? { description } : {}), content: { "application/json": { schema: jsonSchemaOf(body) } } } };
}

/** One operation per method and path; rows sharing one (search or list) are described together. */
function operationOf(rows: RestRoute[], answers: AnswerSchemas): Record<string, unknown> {
  const [row] = rows as [RestRoute];
  return {
    operationId: rows.map((each) => each.procedure).join("|"),
    tags: [row.path.split("/")[2] ?? "health"],
    summary: rows.map((each) => each.procedure).join(" / "),
    ...(rows.length > 1
      ? {
          description:
            "Rows told apart by the query string: with `q` a full-text search a page at a time best match first (keyset on bm25 rank and id, exact while the catalog is unchanged), without it the catalog page by page newest first.",
        }
      : {}),
    parameters: parametersOf(rows),
    ...requestBodyOf(row),
    responses: { ...successResponses(rows, answers), ...errorResponses(rows) },
    ...(row.admin ? { security: [{ adminKey: [] }] } : {}),
  };
}

const components = {
  schemas: {
    Error: {
      type: "object",
      required: ["error"],
      properties: {
        error: {
          type: "object",
          required: ["code", "message"],
          properties: {
            code: { type: "string", enum: Object.keys(domainErrorCodes) },
            message: { type: "string" },
            details: { type: "object", description: "e.g. `fields`: [{ path, message }] for bad input" },
          },
        },
      },
    },
  },
  parameters: {
    CorrelationId: {
      name: correlationHeader,
      in: "header",
      required: false,
      schema: { type: "string", pattern: "^[A-Za-z0-9._:-]{1,128}$" },
      description: "Ties the request's logs, traces and events together; made when absent or malformed, echoed on every answer.",
    },
    ConsistencyToken: {
      name: consistencyTokenHeader,
      in: "header",
      required: false,
      schema: { type: "string", maxLength: 2048 },
      description:
        "Read your writes: a write's x-consistency-token. The read answers only once its read model has applied the events the token names (at most READ_WAIT_MS, else 503 READ_MODEL_BEHIND). Sent with a write, it is merged into the write's token. A tampered or foreign token is a 400.",
    },
  },
  headers: {
    CorrelationId: { description: "The request's correlation ID", schema: { type: "string" } },
    ConsistencyToken: {
      description: "The events this write produced (and the token it came with), opaque and signed: send it as x-consistency-token (or ?after=) with a read to see this write",
      schema: { type: "string" },
    },
    ReadModelLag: { description: "How far behind the read model is, in ms (0 while its consumer is caught up)", schema: { type: "integer", minimum: 0 } },
    ReadModelPosition: { description: "How far the read model has applied each stream it reads: STREAM:sequence, comma-separated", schema: { type: "string" } },
    RetryAfter: { description: "Seconds until the read is worth asking again", schema: { type: "integer", minimum: 1 } },
  },
  securitySchemes: { adminKey: { type: "http", scheme: "bearer", description: "The admin API key (ADMIN_API_KEY; the launcher writes it to a file)" } },
};

/** The whole document. Built on request: cheap, and nothing kept between calls. */
export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const answers = createAnswerSchemas();
  for (const rows of endpointsOf(restRoutes)) {
    const path = openApiPath(rows[0]!.path);
    paths[path] = { ...paths[path], [rows[0]!.method.toLowerCase()]: operationOf(rows, answers) };
  }
  return {
    openapi: "3.1.0",
    info: { title: "bunmesh public API", version, description: "The gateway's REST API. Errors answer `{ error: { code, message, details? } }`." },
    paths,
    components: { ...components, schemas: { ...answers.components(), ...components.schemas } },
  };
}
