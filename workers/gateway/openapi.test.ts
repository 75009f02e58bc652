/**
 * The OpenAPI document against the OpenAPI 3.1 schema and the REST table, then walked against an
 * in-process gateway (peers that answer everything): each operation answers its documented success
 * status, bad input its documented 400 and an admin row without the key its documented 401, both
 * in the documented error shape.
 */
import { describe, expect, it } from "vitest";
import { Validator } from "@seriousme/openapi-schema-validator";
import { restRoutes } from "./rest-routes";
import { openApiDocument, openApiPath } from "./openapi";
import { createGatewayWorker } from "./worker";
import { createAnsweringPeers } from "../../test/support/answering-peers";
import { restSamples } from "../../test/support/rest-samples";
import { badInputOf, operationsOf } from "../../test/support/openapi-walk";

const adminApiKey = "openapi-walk-admin-key-0123456789";
const { deps } = createAnsweringPeers(adminApiKey);
const gateway = createGatewayWorker(deps);

type Operation = {
  operationId: string;
  parameters: ({ name: string; in: string; required: boolean } | { $ref: string })[];
  requestBody?: unknown;
  responses: Record<string, { content?: { "application/json": { schema: unknown } } }>;
  security?: unknown[];
};
type Document = { paths: Record<string, Record<string, Operation>> };

async function fetchDocument(): Promise<Document> {
  const answer = await gateway.app.request("/openapi.json");
  expect(answer.status).toBe(200);
  return (await answer.json()) as Document;
}

function request(method: string, path: string, body: unknown, admin: boolean) {
  const headers: Record<string, string> = { "x-correlation-id": "openapi-walk" };
  if (admin) headers["authorization"] = `Bearer ${adminApiKey}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  return gateway.app.request(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
}

/** The error shape of the document: `{ error: { code, message, details? } }`, nothing else required. */
function expectErrorShape(body: unknown, where: string) {
  expect(body, where).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
  const details = (body as { error: { details?: unknown } }).error.details;
  if (details !== undefined) expect(typeof details, where).toBe("object");
}

describe("GET /openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const document = await fetchDocument();
    const validator = new Validator();
    const result = await validator.validate(document as unknown as Parameters<Validator["validate"]>[0]);
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("documents every row of the REST table, admin rows with the bearer scheme and a 401, and the headers", async () => {
    const document = await fetchDocument();
    for (const row of restRoutes) {
      const operation = document.paths[openApiPath(row.path)]?.[row.method.toLowerCase()];
      expect(operation, `${row.method} ${row.path}`).toBeDefined();
      expect(Object.keys(operation!.responses), `${row.method} ${row.path}`).toContain(String(row.status));
      expect(operation!.security !== undefined, `${row.method} ${row.path}`).toBe(row.admin === true);
      if (row.admin) expect(Object.keys(operation!.responses)).toContain("401");
      const names = operation!.parameters.map((parameter) => ("name" in parameter ? parameter.name : parameter.$ref));
      expect(names).toContain("#/components/parameters/CorrelationId");
      if (row.idempotencyKey) expect(names).toContain("Idempotency-Key");
    }
    // And nothing else: each operation is made of rows of the table, every procedure once.
    const documented = operationsOf(document).flatMap(({ operation }) => operation.operationId.split("|"));
    expect(documented.sort()).toEqual(restRoutes.map((row) => row.procedure).sort());
  });
});

describe("the consistency token in /openapi.json", () => {
  const readModelReads = ["products.get", "products.search", "products.list", "reports.sales", "reports.customer", "customers.summary"];
  type Answer = { headers?: Record<string, unknown> };

  it("is a header of every write's answer, and a parameter (header, and ?after=) of every read of a read model", async () => {
    const document = await fetchDocument();
    for (const { method, path, operation } of operationsOf(document)) {
      const where = `${method} ${path}`;
      const success = Object.entries(operation.responses).filter(([status]) => status.startsWith("2")) as [string, Answer][];
      const parameters = operation.parameters.map((parameter) => ("name" in parameter ? `${parameter.in}:${parameter.name}` : parameter.$ref));
      const reads = operation.operationId.split("|").some((procedure) => readModelReads.includes(procedure));
      for (const [, answer] of success) expect(Object.keys(answer.headers ?? {}).includes("x-consistency-token"), where).toBe(method !== "GET");
      expect(parameters.includes("#/components/parameters/ConsistencyToken"), where).toBe(reads);
      if (reads) {
        for (const [, answer] of success) expect(Object.keys(answer.headers ?? {}), where).toEqual(expect.arrayContaining(["x-read-model-lag-ms", "x-read-model-position"]));
        expect(Object.keys((operation.responses["503"] as Answer).headers ?? {}), where).toEqual(expect.arrayContaining(["retry-after", "x-read-model-lag-ms"]));
        expect(parameters, where).toContain("query:after");
      }
    }
  });

  it("refuses a forged token on a documented read with the documented 400 naming the header", async () => {
    const forged = "Zm9yZ2Vk";
    const ways: [string, Record<string, string>][] = [
      ["/api/reports/customers/c1", { "x-consistency-token": forged }],
      [`/api/reports/customers/c1?after=${forged}`, {}],
    ];
    for (const [path, headers] of ways) {
      const answer = await gateway.app.request(path, { headers });
      expect(answer.status).toBe(400);
      const body = (await answer.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("BAD_INPUT");
      expect(body.error.message).toContain("x-consistency-token");
    }
  });
});

describe("GET /docs", () => {
  it("serves Swagger UI from the installed package, pointed at /openapi.json", async () => {
    const page = await gateway.app.request("/docs");
    expect(page.status).toBe(200);
    const html = await page.text();
    for (const asset of [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!)) {
      expect(asset.startsWith("/docs/assets/"), asset).toBe(true);
      expect((await gateway.app.request(asset)).status, asset).toBe(200);
    }
    expect(await (await gateway.app.request("/docs/assets/init.js")).text()).toContain('"/openapi.json"');
    expect((await gateway.app.request("/docs/assets/package.json")).status).toBe(404);
  });
});

describe("the documented answers against the gateway", () => {
  it("answers each operation's documented success status, and its documented errors in the error shape", async () => {
    const document = await fetchDocument();
    for (const { method, path, operation } of operationsOf(document)) {
      const sample = restSamples[operation.operationId.split("|")[0]!]!;
      const where = `${method} ${path}`;
      const admin = operation.security !== undefined;
      const ok = await request(method, `${sample.path}${sample.query ? `?${sample.query}` : ""}`, sample.body, admin);
      expect(Object.keys(operation.responses), where).toContain(String(ok.status));
      expect(ok.status, where).toBeLessThan(300);
      const bad = badInputOf(path, sample);
      if (bad) {
        const refused = await request(method, `${bad.path}${bad.query ? `?${bad.query}` : ""}`, bad.body, admin);
        expect([refused.status, operation.responses["400"] !== undefined], where).toEqual([400, true]);
        expectErrorShape(await refused.json(), where);
      }
      if (admin) {
        const refused = await request(method, sample.path, sample.body, false);
        expect([refused.status, operation.responses["401"] !== undefined], where).toEqual([401, true]);
        expectErrorShape(await refused.json(), where);
      }
    }
  });
});

describe("paged lists in the document", () => {
  it("document limit (1–100, default 20) and cursor in the query, and answer { items, nextCursor }", () => {
    const document = openApiDocument("test") as any;
    for (const path of ["/api/customers/{id}/orders", "/api/admin/sagas"]) {
      const operation = document.paths[path].get;
      const query = Object.fromEntries(operation.parameters.filter((p: any) => p.in === "query").map((p: any) => [p.name, p.schema]));
      expect(query["limit"], path).toMatchObject({ type: "integer", minimum: 1, maximum: 100, default: 20 });
      expect(query["cursor"], path).toMatchObject({ type: "string" });
      const answer = JSON.stringify(operation.responses["200"]);
      const ref = /#\/components\/schemas\/(\w+)/.exec(answer)?.[1];
      const schema = ref ? document.components.schemas[ref] : operation.responses["200"].content["application/json"].schema;
      expect(Object.keys(schema.properties), path).toEqual(["items", "nextCursor"]);
    }
  });
});
