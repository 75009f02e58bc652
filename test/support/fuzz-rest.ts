/**
 * Bad requests to the gateway's REST routes (`/api/*`): bad bodies, path ids (malformed, unknown,
 * traversal, unicode), query strings, Idempotency-Key headers, admin keys, content types, and
 * routes or methods that do not exist. Each keeps the rest of the request valid, so only the one
 * flaw stands between it and a write.
 */
import fc from "fast-check";
import type { Field, RestRoute, SeedIds } from "./fuzz-api";
import { inputlessRestRoutes, restRoutes } from "./fuzz-api";
import type { FuzzRequest } from "./fuzz-http";
import { badObject, extraNames, validObject, type BadObject, type Expectation } from "./fuzz-objects";
import { encodeLoosely, invalidLimitParam, invalidTextParam, longText, oddText } from "./fuzz-values";
import { junkJson, nonObjectJson, wrongAdminKeys } from "./fuzz-junk";

export const jsonTypes = ["application/json", "application/json; charset=utf-8", "Application/JSON"];
export const nonJsonTypes = ["text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/html", "application/xml"];

export const restLabel = (route: RestRoute) => `${route.method} ${route.pattern}${route.query?.some((f) => f.name === "q") ? "?q" : ""}`;

type Weighted = { weight: number; arbitrary: fc.Arbitrary<Parts> };

interface Parts {
  path: string;
  body?: string;
  headers: Record<string, string>;
  what: string;
  expect: Expectation;
}

/** The route's path with the seeded ids, or `bad` in place of the parameter `at`. */
function pathOf(route: RestRoute, ids: SeedIds, bad?: { at: string; value: string }): string {
  return route.pattern.replace(/:(\w+)/g, (_m, name: string) => {
    if (bad?.at === name) return bad.value;
    const param = route.params.find((p) => p.name === name)!;
    return encodeURIComponent(String(param.valid(ids, 0)));
  });
}

const traversals = [
  "..%2F..%2Fetc%2Fpasswd",
  "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
  "..%5C..%5Cwindows",
  "%252E%252E%252F",
  "a%2Fb",
  "%2F",
  "%c0%ae%c0%ae%2f",
  "%",
  "%E0%A4%A",
  "%00",
  "%ED%A0%80",
  "%E2%80%8F%E2%80%8D",
];

/** A bad path parameter: too long (400 naming it), or unknown, odd or a traversal (404, or 400 naming it). */
function badParam(route: RestRoute, param: Field): fc.Arbitrary<{ value: string; what: string; expect: Expectation }> {
  const long = longText(65, 200).map((text) => ({ value: encodeLoosely(text), what: `${param.name} too long`, expect: { statuses: [400], named: [[param.name]] } }));
  if (route.unknownIdAnswers) return long;
  const unknown = fc.oneof(fc.uuid(), oddText.map(encodeLoosely), fc.constantFrom(...traversals));
  return fc.oneof(
    long,
    unknown.map((value) => ({ value, what: `${param.name} unknown/odd`, expect: { statuses: [400, 404], named: [[param.name]] } })),
  );
}

const adminHeader = (key: string) => ({ authorization: `Bearer ${key}` });

/** A body flaw: one bad field, or not an object, not JSON, empty or over the size limit. */
function badBody(route: RestRoute, ids: SeedIds): fc.Arbitrary<BadObject> {
  const named = { statuses: [400], named: [["body"]] };
  return fc.oneof(
    { weight: 6, arbitrary: badObject(route.body!, ids, { only400: false, unknownIds: true, needsOneOf: route.needsOneOf ?? false }) },
    { weight: 1, arbitrary: nonObjectJson.map((text) => ({ text, what: `body ${text}`, expect: named })) },
    { weight: 1, arbitrary: junkJson.map((text) => ({ text, what: "body not JSON", expect: named })) },
    { weight: 1, arbitrary: fc.constant({ text: "", what: "empty body", expect: named }) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 65_537, max: 90_000 }).map((size) => ({ text: `{"name":"${"a".repeat(size)}"}`, what: `${size}-byte body`, expect: { statuses: [400, 413] } })),
    },
  );
}

/** Mostly JSON; sometimes a non-JSON type (or none): 400 today, 415 once issue 14's fix lands. */
const contentType = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...jsonTypes) }, { weight: 2, arbitrary: fc.constantFrom(...nonJsonTypes, "") });

function withType(parts: Parts, type: string): Parts {
  const headers = type === "" ? parts.headers : { ...parts.headers, "content-type": type };
  if (jsonTypes.includes(type)) return { ...parts, headers };
  const statuses = parts.expect.statuses ? [...parts.expect.statuses, 415] : undefined;
  return { ...parts, headers, what: `${parts.what}, content-type ${type || "none"}`, expect: { ...parts.expect, ...(statuses ? { statuses } : {}) } };
}

/** Faults of a route with a body: the body, a path id (with a valid body), the Idempotency-Key, the admin key. */
function bodyRouteFaults(route: RestRoute, ids: SeedIds, adminKey: string): Weighted[] {
  const auth = route.admin ? adminHeader(adminKey) : {};
  const body = fc
    .tuple(badBody(route, ids), contentType)
    .map(([bad, type]) => withType({ path: pathOf(route, ids), body: bad.text, headers: auth, what: bad.what, expect: bad.expect }, type));
  const faults: Weighted[] = [{ weight: 6, arbitrary: body }];
  for (const param of route.params) {
    const withBadParam = fc.tuple(badParam(route, param), validObject(route.body!, ids)).map(([bad, text]) => ({
      path: pathOf(route, ids, { at: param.name, value: bad.value }),
      body: text,
      headers: { ...auth, "content-type": "application/json" },
      what: bad.what,
      expect: bad.expect,
    }));
    faults.push({ weight: 2, arbitrary: withBadParam });
  }
  if (route.keyed) {
    const badKey = fc.oneof(
      fc.constantFrom("", "   ", "\t"),
      longText(201, 400).map((text) => text.replace(/[^a-z0-9]/gi, "k")),
    );
    const withBadKey = fc.tuple(badKey, validObject(route.body!, ids)).map(([key, text]) => ({
      path: pathOf(route, ids),
      body: text,
      headers: { ...auth, "content-type": "application/json", "idempotency-key": key },
      what: `Idempotency-Key of ${key.length} chars`,
      expect: { statuses: [400], named: [["Idempotency-Key", "idempotencyKey"]] },
    }));
    faults.push({ weight: 2, arbitrary: withBadKey });
  }
  return faults;
}

/** A bad query string: one bad or unknown parameter, or a parameter repeated with bad values. */
function badQuery(fields: Field[], ids: SeedIds): fc.Arbitrary<{ query: string; what: string; expect: Expectation }> {
  const base = fields.filter((f) => f.required).map((f) => `${f.name}=${encodeURIComponent(String(f.valid(ids, 0)))}`);
  const badValueOf = (f: Field): fc.Arbitrary<string> =>
    f.kind === "limit100"
      ? invalidLimitParam(100)
      : f.kind === "limit200"
        ? invalidLimitParam(200)
        : f.kind === "limit500"
          ? invalidLimitParam(500)
          : f.kind === "q"
            ? invalidTextParam(200, { blank: true })
            : f.kind === "id"
              ? invalidTextParam(64)
              : fc.oneof(fc.constantFrom("done", "Done", "DONE%20", "PENDING", "", "%00", "NEEDS-ATTENTION"), oddText.map(encodeLoosely));
  const without = (name: string) => base.filter((p) => !p.startsWith(`${name}=`));
  const named = (name: string) => ({ statuses: [400], named: [[name]] });
  return fc.oneof(
    fc
      .constantFrom(...fields)
      .chain((f) => badValueOf(f).map((value) => ({ query: [...without(f.name), `${f.name}=${value}`].join("&"), what: `${f.name}=${value.slice(0, 60)}`, expect: named(f.name) }))),
    fc
      .constantFrom(...fields)
      .chain((f) =>
        fc
          .tuple(badValueOf(f), badValueOf(f))
          .map(([a, b]) => ({ query: [...without(f.name), `${f.name}=${a}`, `${f.name}=${b}`].join("&"), what: `${f.name} repeated`, expect: named(f.name) })),
      ),
    fc.constantFrom(...extraNames.filter((name) => /^\w+$/.test(name) && name !== "q" && !fields.some((f) => f.name === name))).map((name) => ({
      query: [...base, `${name}=1`].join("&"),
      what: `unknown parameter ${name}`,
      expect: named(name),
    })),
  );
}

/** Every bad request this route can be sent, as Parts without the method. */
function routeFaults(route: RestRoute, ids: SeedIds, adminKey: string): Weighted[] {
  const auth = route.admin ? adminHeader(adminKey) : {};
  const faults = route.body ? bodyRouteFaults(route, ids, adminKey) : [];
  if (!route.body) {
    for (const param of route.params) {
      const arbitrary = badParam(route, param).map((bad) => ({ path: pathOf(route, ids, { at: param.name, value: bad.value }), headers: auth, what: bad.what, expect: bad.expect }));
      faults.push({ weight: 6, arbitrary });
    }
  }
  if (route.query)
    faults.push({ weight: 6, arbitrary: badQuery(route.query, ids).map((bad) => ({ path: `${route.pattern}?${bad.query}`, headers: auth, what: bad.what, expect: bad.expect })) });
  // Admin routes without the key, or with a wrong one: 401 whatever the input (checked first). Catalog writes: see the admin-key test.
  if (route.admin && !route.catalogWrite) {
    const body = route.body ? validObject(route.body, ids) : fc.constant(undefined);
    const withoutKey = fc.tuple(wrongAdminKeys(adminKey), body).map(([key, text]) => ({
      path: pathOf(route, ids),
      ...(text === undefined ? {} : { body: text }),
      headers: { "content-type": "application/json", ...(key === undefined ? {} : { authorization: key }) },
      what: `admin key ${key === undefined ? "missing" : "wrong"}`,
      expect: { statuses: [401] },
    }));
    faults.push({ weight: 2, arbitrary: withoutKey });
  }
  return faults;
}

/** Methods and paths no route has: 404 or 405, and nothing written whatever the body. */
const noRoutes = fc.tuple(
  fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"),
  fc.constantFrom(
    "/api/userz",
    "/api/users/x/y",
    "/api/products/x/stock",
    "/api/admin",
    "/api/admin/sagas/x",
    "/api/orders/x/cancel",
    "/api",
    "/api/inventory",
    "/api/customers/x",
    "/api/reports",
    "/api/reports/customers",
  ),
);
const wrongMethods = fc.constantFrom<[string, string]>(
  ["DELETE", "/api/users/x"],
  ["PUT", "/api/users"],
  ["DELETE", "/api/orders/x"],
  ["POST", "/api/products/x"],
  ["PUT", "/api/orders"],
  ["POST", "/api/reports/sales"],
  ["PATCH", "/api/inventory/x"],
  ["DELETE", "/api/customers/x/credit"],
  ...inputlessRestRoutes.map((path): [string, string] => ["POST", path]),
);

function unknownRoutes(adminKey: string): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(noRoutes, wrongMethods).map(([method, path]) => ({
    covers: "unknown REST route",
    what: `no route ${method} ${path}`,
    method,
    path,
    headers: { ...adminHeader(adminKey), ...(method === "GET" || method === "OPTIONS" ? {} : { "content-type": "application/json" }) },
    ...(method === "GET" || method === "OPTIONS" ? {} : { body: '{"nothing":true}' }),
    expect: {},
  }));
}

/** Bad requests to every REST route, and to routes that do not exist. */
export function badRestRequests(ids: SeedIds, adminKey: string): fc.Arbitrary<FuzzRequest> {
  // Writes have the most to get wrong (and to write): they get the most requests, id-only reads the fewest.
  const perRoute = restRoutes.map((route) => ({
    weight: route.body ? 4 : route.query ? 2 : 1,
    arbitrary: fc.oneof(...routeFaults(route, ids, adminKey)).map((parts): FuzzRequest => ({ covers: restLabel(route), method: route.method, ...parts })),
  }));
  return fc.oneof({ weight: 20 * perRoute.length, arbitrary: fc.oneof(...perRoute) }, { weight: 10, arbitrary: unknownRoutes(adminKey) });
}
