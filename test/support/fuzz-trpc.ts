/**
 * Bad requests to the gateway's public tRPC router (`/trpc/*`): bad inputs for every procedure,
 * bad envelopes (`?input=garbage`, `batch=1` with junk or with bad calls), unknown procedures,
 * the wrong method for a procedure, and admin procedures without the admin key.
 */
import fc from "fast-check";
import type { SeedIds, TrpcProcedure } from "./fuzz-api";
import { trpcProcedures } from "./fuzz-api";
import type { FuzzRequest } from "./fuzz-http";
import { badObject, validObject, type BadObject } from "./fuzz-objects";
import { junkJson, nonObjectJson, wrongAdminKeys } from "./fuzz-junk";

export const trpcLabel = (proc: TrpcProcedure) => `trpc ${proc.path}`;
const json = "application/json";

/** A query puts its input in `?input=`, a mutation in a JSON body. */
function call(proc: TrpcProcedure, input: string | undefined, headers: Record<string, string>): Pick<FuzzRequest, "method" | "path" | "headers" | "body"> {
  if (proc.type === "query") return { method: "GET", path: `/trpc/${proc.path}${input === undefined ? "" : `?input=${encodeURIComponent(input)}`}`, headers };
  return { method: "POST", path: `/trpc/${proc.path}`, headers: { "content-type": json, ...headers }, body: input ?? "" };
}

/** An input that fails its procedure's checks (never one it accepts). */
function badInput(proc: TrpcProcedure, ids: SeedIds): fc.Arbitrary<BadObject> {
  const whole = { statuses: [400], named: [["body", "input"]] };
  return fc.oneof(
    { weight: 6, arbitrary: badObject(proc.input!, ids, { only400: false, unknownIds: !proc.unknownIdAnswers, needsOneOf: proc.needsOneOf ?? false }) },
    { weight: 1, arbitrary: nonObjectJson.map((text) => ({ text, what: `input ${text}`, expect: whole })) },
    { weight: 1, arbitrary: junkJson.map((text) => ({ text, what: "input not JSON", expect: { statuses: [400] } })) },
  );
}

type Weighted = { weight: number; arbitrary: fc.Arbitrary<FuzzRequest> };

function procedureFaults(proc: TrpcProcedure, ids: SeedIds, adminKey: string): Weighted[] {
  const covers = trpcLabel(proc);
  const auth: Record<string, string> = proc.admin ? { authorization: `Bearer ${adminKey}` } : {};
  if (!proc.input) {
    // No input to get wrong (tRPC never reads `input` for these, junk included): only the wrong method.
    return [
      {
        weight: 1,
        arbitrary: junkJson.map((text) => ({ covers, what: "POST to a query", method: "POST", path: `/trpc/${proc.path}`, headers: { "content-type": json }, body: text, expect: {} })),
      },
    ];
  }
  const faults: Weighted[] = [
    { weight: 8, arbitrary: badInput(proc, ids).map((bad) => ({ covers, what: bad.what, ...call(proc, bad.text, auth), expect: bad.expect })) },
    ...(proc.inputOptional ? [] : [{ weight: 1, arbitrary: fc.constant({ covers, what: "no input", ...call(proc, undefined, auth), expect: { statuses: [400] } }) }]),
    // The wrong method for the procedure, with a valid input: refused, never run.
    {
      weight: 1,
      arbitrary: validObject(proc.input, ids).map((text) => {
        const right = call(proc, text, auth);
        const wrong =
          proc.type === "query"
            ? { method: "POST", path: `/trpc/${proc.path}`, headers: { ...auth, "content-type": json }, body: text }
            : { method: "GET", path: `/trpc/${proc.path}?input=${encodeURIComponent(text)}`, headers: auth };
        return { covers, what: `${wrong.method} to a ${proc.type} (right: ${right.method})`, ...wrong, expect: {} };
      }),
    },
  ];
  if (proc.admin && !proc.catalogWrite) {
    const withoutKey = fc.tuple(wrongAdminKeys(adminKey), validObject(proc.input, ids)).map(([key, text]) => ({
      covers,
      what: `admin key ${key === undefined ? "missing" : "wrong"}`,
      ...call(proc, text, key === undefined ? {} : { authorization: key }),
      expect: { statuses: [401] },
    }));
    faults.push({ weight: 2, arbitrary: withoutKey });
  }
  return faults;
}

/** `batch=1` with 1–3 procedures of one type: junk envelopes, or every call's input bad (400 each, so 400 in all). */
function badBatches(ids: SeedIds, adminKey: string): fc.Arbitrary<FuzzRequest> {
  const auth = { authorization: `Bearer ${adminKey}` };
  const withInput = trpcProcedures.filter((proc) => proc.input);
  const batchOf = (type: TrpcProcedure["type"]) => fc.array(fc.constantFrom(...withInput.filter((proc) => proc.type === type)), { minLength: 1, maxLength: 3 });
  const envelope = (procs: TrpcProcedure[], input: string | undefined, what: string): FuzzRequest => {
    const paths = procs.map((proc) => proc.path).join(",");
    const query = procs[0]!.type === "query";
    const path = `/trpc/${paths}?batch=1${query && input !== undefined ? `&input=${encodeURIComponent(input)}` : ""}`;
    return {
      covers: "trpc batch",
      what: `batch ${paths}: ${what}`,
      method: query ? "GET" : "POST",
      path,
      headers: query ? auth : { ...auth, "content-type": json },
      ...(query ? {} : { body: input ?? "" }),
      expect: { statuses: [400] },
    };
  };
  const badCalls = (procs: TrpcProcedure[]) =>
    fc
      .tuple(...procs.map((proc) => badObject(proc.input!, ids, { only400: true, unknownIds: false, needsOneOf: proc.needsOneOf ?? false })))
      .map((bads) => envelope(procs, `{${bads.map((bad, i) => `"${i}":${bad.text}`).join(",")}}`, bads.map((bad) => bad.what).join("; ")));
  const junk = (procs: TrpcProcedure[]) => fc.oneof(junkJson, fc.constantFrom("[]", "[1,2]", "1", '"x"', "null")).map((text) => envelope(procs, text, `input ${text.slice(0, 40)}`));
  return fc.oneof(batchOf("query"), batchOf("mutation")).chain((procs) => fc.oneof(badCalls(procs), junk(procs)));
}

/** Paths that name no procedure (prototype names, routers, encoded separators). */
const unknownProcedures = fc
  .tuple(
    fc.constantFrom(
      "nope",
      "users",
      "users.",
      ".users",
      "users.nope",
      "users.get.x",
      "constructor",
      "__proto__",
      "toString",
      "users.__proto__",
      "_def",
      "users%2Fget",
      "users.get%2C",
      "..%2F..%2Fapi%2Fusers",
      "health.x",
    ),
    fc.constantFrom("GET", "POST"),
  )
  .map(([path, method]): FuzzRequest => ({
    covers: "unknown trpc procedure",
    what: `no procedure ${path}`,
    method,
    path: `/trpc/${path}${method === "GET" ? "?input=%7B%7D" : ""}`,
    headers: method === "GET" ? {} : { "content-type": json },
    ...(method === "GET" ? {} : { body: "{}" }),
    expect: {},
  }));

/** Bad requests to every public tRPC procedure, in batches, and to procedures that do not exist. */
export function badTrpcRequests(ids: SeedIds, adminKey: string): fc.Arbitrary<FuzzRequest> {
  const perProcedure = trpcProcedures.map((proc) => ({ weight: proc.type === "mutation" ? 4 : proc.input ? 2 : 1, arbitrary: fc.oneof(...procedureFaults(proc, ids, adminKey)) }));
  return fc.oneof(
    { weight: 20 * perProcedure.length, arbitrary: fc.oneof(...perProcedure) },
    { weight: 20, arbitrary: badBatches(ids, adminKey) },
    { weight: 5, arbitrary: unknownProcedures },
  );
}
