/**
 * Requests for the fuzz test's separate cases: issue 14's intended refusals (a valid JSON body
 * under a non-JSON content type → 415; a catalog write without the admin key → 401), and deeply
 * nested `attributes`, which zod walks recursively until the stack runs out.
 */
import fc from "fast-check";
import { restRoutes, trpcProcedures, type RestRoute, type SeedIds, type TrpcProcedure } from "./fuzz-api";
import type { FuzzRequest } from "./fuzz-http";
import { validObject } from "./fuzz-objects";
import { wrongAdminKeys } from "./fuzz-junk";
import { nonJsonTypes, restLabel } from "./fuzz-rest";
import { trpcLabel } from "./fuzz-trpc";

const writes = restRoutes.filter((route) => route.body);
const mutations = trpcProcedures.filter((proc) => proc.type === "mutation");

function restPath(route: RestRoute, ids: SeedIds): string {
  return route.pattern.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(String(route.params.find((p) => p.name === name)!.valid(ids, 0))));
}

/** A write with a body that is valid but for its content type; the admin key sent where needed, so only the type is wrong. */
function asNonJson(target: { covers: string; method: string; path: string; fields: RestRoute["body"] }, ids: SeedIds, adminKey: string): fc.Arbitrary<FuzzRequest> {
  return fc.tuple(validObject(target.fields!, ids), fc.constantFrom(...nonJsonTypes, "")).map(([body, type]) => ({
    covers: target.covers,
    what: `valid body as ${type || "no content type"}`,
    method: target.method,
    path: target.path,
    headers: { authorization: `Bearer ${adminKey}`, ...(type === "" ? {} : { "content-type": type }) },
    body,
    expect: { statuses: [415] },
  }));
}

/** Every REST write and tRPC mutation with a valid JSON body under a non-JSON content type (or none). */
export function validBodiesAsNonJson(ids: SeedIds, adminKey: string): fc.Arbitrary<FuzzRequest> {
  const rest = writes.map((route) => asNonJson({ covers: restLabel(route), method: route.method, path: restPath(route, ids), fields: route.body }, ids, adminKey));
  const trpc = mutations.map((proc) => asNonJson({ covers: trpcLabel(proc), method: "POST", path: `/trpc/${proc.path}`, fields: proc.input }, ids, adminKey));
  return fc.oneof(...rest, ...trpc);
}

function catalogWrite(target: { covers: string; method: string; path: string; fields: RestRoute["body"] }, ids: SeedIds, adminKey: string): fc.Arbitrary<FuzzRequest> {
  return fc.tuple(validObject(target.fields!, ids), wrongAdminKeys(adminKey)).map(([body, key]) => ({
    covers: target.covers,
    what: `catalog write, admin key ${key === undefined ? "missing" : "wrong"}`,
    method: target.method,
    path: target.path,
    headers: { "content-type": "application/json", ...(key === undefined ? {} : { authorization: key }) },
    body,
    expect: { statuses: [401] },
  }));
}

/** POST/PATCH /api/products and tRPC products.create/update with valid bodies, without the admin key or with a wrong one. */
export function catalogWritesWithoutKey(ids: SeedIds, adminKey: string): fc.Arbitrary<FuzzRequest> {
  const rest = writes
    .filter((route) => route.catalogWrite)
    .map((route) => catalogWrite({ covers: restLabel(route), method: route.method, path: restPath(route, ids), fields: route.body }, ids, adminKey));
  const trpc = mutations
    .filter((proc) => proc.catalogWrite)
    .map((proc) => catalogWrite({ covers: trpcLabel(proc), method: "POST", path: `/trpc/${proc.path}`, fields: proc.input }, ids, adminKey));
  return fc.oneof(...rest, ...trpc);
}

/** JSON nested `depth` levels (arrays or objects), under the 64 KiB body limit. */
const deepJson = fc.oneof(
  fc.integer({ min: 20_000, max: 30_000 }).map((depth) => `${"[".repeat(depth)}${"]".repeat(depth)}`),
  fc.integer({ min: 8_000, max: 10_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`),
);

/** Product writes whose `attributes` nest deep and whose price is negative: bad twice over, 400 in any case. */
export function deeplyNestedAttributes(ids: SeedIds, adminKey: string): fc.Arbitrary<FuzzRequest> {
  const targets: { covers: string; method: string; path: string; extra: string }[] = [
    ...writes
      .filter((route) => route.catalogWrite)
      .map((route) => ({ covers: restLabel(route), method: route.method, path: restPath(route, ids), extra: route.method === "POST" ? '"sku":"DEEP","name":"Deep",' : "" })),
    ...mutations
      .filter((proc): proc is TrpcProcedure => proc.catalogWrite === true)
      .map((proc) => ({
        covers: trpcLabel(proc),
        method: "POST",
        path: `/trpc/${proc.path}`,
        extra: proc.path.endsWith("create") ? '"sku":"DEEP","name":"Deep",' : `"id":${JSON.stringify(ids.productId)},`,
      })),
  ];
  return fc.tuple(fc.constantFrom(...targets), deepJson).map(([target, deep]) => ({
    covers: target.covers,
    what: `attributes nested ${deep.length / 2}+ levels, priceCents -1`,
    method: target.method,
    path: target.path,
    headers: { "content-type": "application/json", authorization: `Bearer ${adminKey}` },
    body: `{${target.extra}"priceCents":-1,"attributes":{"deep":${deep}}}`,
    expect: { statuses: [400], named: [["priceCents", "attributes"]] },
  }));
}
