/**
 * The success answers of /openapi.json: each described by its properties (from the procedures'
 * output schemas), every answer of an in-process gateway valid against them, and the walk's check
 * naming a field that drifts (a wrapper around the gateway changing one field of one answer).
 */
import { describe, expect, it } from "vitest";
import { createGatewayWorker } from "./worker";
import { createAnsweringPeers } from "../../test/support/answering-peers";
import { operationsOf, walkDocument, type OpenApiDocument, type Send } from "../../test/support/openapi-walk";

const adminApiKey = "openapi-answers-admin-key-0123456789";
const gateway = createGatewayWorker(createAnsweringPeers(adminApiKey).deps);

type JsonSchema = { $ref?: string; anyOf?: JsonSchema[]; type?: string | string[]; properties?: Record<string, JsonSchema>; items?: JsonSchema; additionalProperties?: unknown };

const send: Send = async (method, path, body) => {
  const headers: Record<string, string> = { authorization: `Bearer ${adminApiKey}`, ...(body === undefined ? {} : { "content-type": "application/json" }) };
  return await gateway.app.request(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
};

async function fetchDocument(): Promise<OpenApiDocument> {
  return (await (await gateway.app.request("/openapi.json")).json()) as OpenApiDocument;
}

/** Why a success body's schema is not described by its properties (null: it is). `$ref`s are followed; each `anyOf` branch must be. */
function undescribed(document: OpenApiDocument, schema: JsonSchema | undefined): string | null {
  if (!schema) return "no schema";
  if (schema.$ref) return undescribed(document, (document.components["schemas"] as Record<string, JsonSchema>)[schema.$ref.replace("#/components/schemas/", "")]);
  if (schema.anyOf) return schema.anyOf.map((branch) => undescribed(document, branch)).find((why) => why !== null) ?? null;
  if (schema.type === "array") return undescribed(document, schema.items);
  if (schema.type !== "object") return `type ${JSON.stringify(schema.type)}, not an object or a list of them`;
  return Object.keys(schema.properties ?? {}).length > 0 ? null : `an object without properties: ${JSON.stringify(schema)}`;
}

/** Every object anywhere in the schema has its properties, or is a map with a schema for its values. */
function bareObjects(document: OpenApiDocument, schema: unknown, at: string, seen = new Set<unknown>()): string[] {
  if (typeof schema !== "object" || schema === null || seen.has(schema)) return [];
  seen.add(schema);
  const node = schema as JsonSchema;
  if (node.$ref) return bareObjects(document, (document.components["schemas"] as Record<string, unknown>)[node.$ref.replace("#/components/schemas/", "")], node.$ref, seen);
  const here = node.type === "object" && Object.keys(node.properties ?? {}).length === 0 && node.additionalProperties === undefined ? [at] : [];
  return [...here, ...Object.entries(node).flatMap(([key, child]) => bareObjects(document, child, `${at}/${key}`, seen))];
}

describe("the success answers of /openapi.json", () => {
  it("describes every success body by its properties: none is a bare object or {}", async () => {
    const document = await fetchDocument();
    const successes = operationsOf(document).flatMap(({ method, path, operation }) =>
      Object.entries(operation.responses)
        .filter(([status]) => status.startsWith("2"))
        .map(([status, response]) => ({ where: `${method} ${path} ${status}`, schema: response.content?.["application/json"]?.schema as JsonSchema | undefined })),
    );
    expect(successes.length).toBeGreaterThanOrEqual(operationsOf(document).length);
    expect(successes.map(({ where, schema }) => [where, undescribed(document, schema)]).filter(([, why]) => why !== null)).toEqual([]);
    expect(successes.flatMap(({ where, schema }) => bareObjects(document, schema, where))).toEqual([]);
  });

  it("gives each success status its own body: 201's ended order and 202's pending one, the composed answers' degraded, the cancel route's optional `{}`", async () => {
    const document = await fetchDocument();
    const schemas = document.components["schemas"] as Record<string, { properties: Record<string, { const?: string; enum?: string[]; items?: { enum?: string[] } }> }>;
    const place = document.paths["/api/orders"]!["post"]!.responses;
    expect([place["201"], place["202"]].map((response) => response?.content?.["application/json"]?.schema)).toEqual([
      { $ref: "#/components/schemas/EndedOrder" },
      { $ref: "#/components/schemas/PendingOrder" },
    ]);
    expect(schemas["PendingOrder"]!.properties["status"]!.const).toBe("PENDING");
    expect(schemas["EndedOrder"]!.properties["status"]!.enum).toEqual(["CONFIRMED", "REJECTED"]);
    expect(schemas["ProductWithStock"]!.properties["degraded"]!.items!.enum).toEqual(["inventory"]);
    expect(schemas["CustomerSummary"]!.properties["degraded"]!.items!.enum).toEqual(["orders", "reporting"]);
    const cancel = document.paths["/api/orders/{id}/cancel"]!["post"] as unknown as { requestBody: unknown };
    expect(cancel.requestBody).toMatchObject({ required: false, content: { "application/json": { schema: { type: "object", properties: {}, additionalProperties: false } } } });
  });

  it("is what the gateway answers: every documented operation's answers validate against their schemas", async () => {
    const { walked, problems } = await walkDocument(await fetchDocument(), send);
    expect(problems).toEqual([]);
    expect(walked).toBeGreaterThan(15);
  });

  it("takes the cancel route's `{}` or no body alike, and refuses a field in it by name", async () => {
    const cancel = (body?: string) =>
      gateway.app.request("/api/orders/o1/cancel", {
        method: "POST",
        headers: body === undefined ? {} : { "content-type": "application/json" },
        ...(body === undefined ? {} : { body }),
      });
    expect((await cancel()).status).toBe(202);
    expect((await cancel("{}")).status).toBe(202);
    const refused = await cancel('{"reason":"changed my mind"}');
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { code: "BAD_INPUT", details: { fields: [{ path: "reason", message: "unknown field" }] } } });
  });
});

/** The gateway with one answer drifted: `change` applied to the JSON body of the answers `matches` picks. */
function drifting(matches: (method: string, path: string) => boolean, change: (body: Record<string, unknown>) => void): Send {
  return async (method, path, body) => {
    const answer = await send(method, path, body);
    if (!matches(method, path) || answer.status >= 300) return answer;
    const changed = (await answer.json()) as Record<string, unknown>;
    change(changed);
    return Response.json(changed, { status: answer.status, headers: answer.headers });
  };
}

describe("the walk's check of an answer that drifted from the document", () => {
  it("names the renamed field of the one route that renamed it", async () => {
    const renamed = drifting(
      (method, path) => method === "GET" && /^\/api\/users\/[^/]+$/.test(path),
      (user) => {
        user["mail"] = user["email"];
        delete user["email"];
      },
    );
    const { problems } = await walkDocument(await fetchDocument(), renamed);
    expect(problems).toEqual([
      "GET /api/users/{id} answered 200: (body): must have required property 'email'",
      'GET /api/users/{id} answered 200: (body): must NOT have additional properties "mail"',
    ]);
  });

  it("names a field whose type changed, in a nested answer", async () => {
    const retyped = drifting(
      (method, path) => method === "GET" && /^\/api\/customers\/[^/]+\/summary$/.test(path),
      (summary) => {
        (summary["customer"] as Record<string, unknown>)["createdAt"] = 1_767_225_600_000;
      },
    );
    const { problems } = await walkDocument(await fetchDocument(), retyped);
    expect(problems).toEqual(["GET /api/customers/{id}/summary answered 200: /customer/createdAt: must be string"]);
  });
});
