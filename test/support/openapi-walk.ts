/**
 * The walk of /openapi.json against a gateway (a running one, or one in-process): for every
 * documented operation a valid request (its sample of rest-samples.ts) and, where it takes input, a
 * bad one; each answer's status must be documented and its body must validate (ajv, JSON Schema
 * 2020-12) against that status's schema. Problems come back as text naming the operation, the
 * status and each field that disagrees, so a drifted answer is found by name.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020";
import { restSamples } from "./rest-samples";

export type Operation = { operationId: string; security?: unknown[]; responses: Record<string, { content?: { "application/json"?: { schema: unknown } } }> };
export type OpenApiDocument = { paths: Record<string, Record<string, Operation>>; components: Record<string, unknown> };
export type Send = (method: string, path: string, body?: unknown) => Promise<Response>;
type Sample = { path: string; body?: unknown; query?: string };

/** Every operation of the document, with its method (upper case) and documented path. */
export function operationsOf<O = Operation>(document: { paths: Record<string, Record<string, O>> }): { method: string; path: string; operation: O }[] {
  return Object.entries(document.paths).flatMap(([path, byMethod]) => Object.entries(byMethod).map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })));
}

/** "/email: must have required property 'email'", "(body): must NOT have additional property \"mail\"". */
function describeError(error: ErrorObject): string {
  const extra = (error.params as { additionalProperty?: string }).additionalProperty;
  return `${error.instancePath || "(body)"}: ${error.message}${extra ? ` "${extra}"` : ""}`;
}

/** Checks answers against the document's schemas; each schema is compiled once. */
export function createAnswerChecker(document: OpenApiDocument) {
  // Formats are left to the patterns zod writes beside them (a date-time's pattern is exact).
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const compiled = new Map<unknown, ValidateFunction>();
  const validatorOf = (schema: object) => {
    if (!compiled.has(schema)) compiled.set(schema, ajv.compile({ ...schema, components: document.components }));
    return compiled.get(schema)!;
  };
  /** The problems of one answer (none: it agrees with the document). */
  return async function check(operation: Operation, answer: Response, where: string): Promise<string[]> {
    const documented = operation.responses[String(answer.status)];
    const text = await answer.text();
    if (!documented) return [`${where}: status ${answer.status} is not among ${Object.keys(operation.responses).join(", ")} (${text.slice(0, 300)})`];
    const schema = documented.content?.["application/json"]?.schema;
    if (schema === undefined) return [];
    const validate = validatorOf(schema as object);
    if (validate(JSON.parse(text))) return [];
    return (validate.errors ?? []).map((error) => `${where} answered ${answer.status}: ${describeError(error)}`);
  };
}

/** A request the operation must refuse as bad input: a path parameter too long, else a bad body or query; null: it takes no input. */
export function badInputOf(documentedPath: string, sample: Sample): Sample | null {
  if (documentedPath.includes("{")) return { path: sample.path.replace(/\b(c1|p1|o1)\b/, "x".repeat(65)), body: sample.body };
  if (sample.body !== undefined) return { path: sample.path, body: { unknownField: 1 } };
  if (sample.query !== undefined) return { path: sample.path, query: "limit=0" };
  return null;
}

/**
 * Walks every operation of the document through `send`, the samples' ids (c1, p1, o1) replaced by
 * `fill`. Returns the problems found and how many operations were walked; a bad request must be
 * answered 400.
 */
export async function walkDocument(document: OpenApiDocument, send: Send, fill: (text: string) => string = (text) => text): Promise<{ walked: number; problems: string[] }> {
  const check = createAnswerChecker(document);
  const problems: string[] = [];
  const request = (method: string, sample: Sample) => {
    const path = fill(sample.path) + (sample.query ? `?${sample.query}` : "");
    return send(method, path, sample.body === undefined ? undefined : JSON.parse(fill(JSON.stringify(sample.body))));
  };
  const operations = operationsOf(document);
  for (const { method, path, operation } of operations) {
    const sample = restSamples[operation.operationId.split("|")[0]!]!;
    const where = `${method} ${path}`;
    problems.push(...(await check(operation, await request(method, sample), where)));
    const bad = badInputOf(path, sample);
    if (!bad) continue;
    const refused = await request(method, bad);
    if (refused.status !== 400) problems.push(`${where} (bad input): answered ${refused.status}, not 400`);
    problems.push(...(await check(operation, refused, `${where} (bad input)`)));
  }
  return { walked: operations.length, problems };
}
