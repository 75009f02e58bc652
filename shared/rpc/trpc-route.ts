/**
 * A cheaper way in for single tRPC calls, wire-compatible with @trpc/client's httpLink: a query as
 * `GET <endpoint>/<path>?input=<json>`, a mutation as `POST <endpoint>/<path>` with a JSON body,
 * answered `{"result":{"data":…}}`, or `{"error":<shape>}` with the status, headers and shape
 * tRPC's fetch adapter gives (the router's own error formatter). It calls the procedure directly
 * (callTRPCProcedure), skipping the adapter's URL parsing, request-info building and combined abort
 * controllers, which cost more than the procedure itself on a one-row read (bench/FINDINGS.md).
 * Anything else — batches, subscriptions, unknown paths, a method that does not fit the
 * procedure, a body that is not plain JSON — goes to the standard adapter (`fallback`) untouched.
 *
 * @example
 *   app.use("/trpc/*", singleCallRoute({ router, endpoint: "/trpc", createContext, fallback: trpcServer({...}) }));
 */
import type { Context, MiddlewareHandler } from "hono";
import { callTRPCProcedure, getErrorShape, getTRPCErrorFromUnknown, transformTRPCResponse, type AnyRouter, type TRPCError } from "@trpc/server";
import { getHTTPStatusCode } from "@trpc/server/http";

export interface SingleCallRouteOptions<E extends { Variables: object }> {
  router: AnyRouter;
  endpoint: string;
  createContext: (c: Context<E>) => Promise<unknown>;
  onError?: (opts: { error: TRPCError; path: string; type: string; input: unknown; ctx: unknown; req: Request }) => void;
  /** The standard adapter, for every request this route does not answer itself. */
  fallback: MiddlewareHandler<E>;
}

// The headers the fetch adapter puts on a single call's answer.
const answerHeaders = { vary: "trpc-accept, accept", "content-type": "application/json" };
const noInput = Symbol("no input");

export function singleCallRoute<E extends { Variables: object }>(options: SingleCallRouteOptions<E>): MiddlewareHandler<E> {
  const { router, fallback } = options;
  const prefix = `${options.endpoint.replace(/\/$/, "")}/`;
  const procedures = router._def.procedures as Record<string, { _def: { type: string } } | undefined>;

  const inputOf = async (c: Context<E>, method: string): Promise<unknown> => {
    if (method === "GET") {
      const raw = c.req.query("input");
      return raw === undefined ? undefined : parseJson(raw);
    }
    const contentType = c.req.header("content-type");
    if (contentType !== undefined && !contentType.startsWith("application/json")) return noInput;
    const raw = await c.req.text(); // Hono keeps the text, so the fallback can still read the body
    return raw === "" ? noInput : parseJson(raw);
  };

  return async (c, next) => {
    const method = c.req.method;
    if (method !== "GET" && method !== "POST") return fallback(c, next);
    const rawPath = c.req.path.slice(prefix.length);
    const path = rawPath.includes("%") ? safeDecode(rawPath) : rawPath;
    const procedure = path === null || path.includes(",") ? undefined : procedures[path];
    const type = procedure?._def.type;
    const fits = (type === "query" && method === "GET") || (type === "mutation" && method === "POST");
    if (!fits || c.req.query("batch") !== undefined || c.req.header("trpc-accept") !== undefined) return fallback(c, next);
    const input = await inputOf(c, method);
    if (input === noInput) return fallback(c, next);

    let ctx: unknown;
    try {
      ctx = await options.createContext(c);
      const data = await callTRPCProcedure({ router, path: path!, getRawInput: async () => input, ctx, type: type!, signal: c.req.raw.signal, batchIndex: 0 });
      return new Response(JSON.stringify(transformTRPCResponse(router._def._config, { result: { data } })), { status: 200, headers: answerHeaders });
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      options.onError?.({ error, path: path!, type: type!, input, ctx, req: c.req.raw });
      const answer = { error: getErrorShape({ config: router._def._config, error, type: type as "query", path: path!, input, ctx }) };
      return new Response(JSON.stringify(transformTRPCResponse(router._def._config, answer)), {
        status: getHTTPStatusCode(answer, [error]),
        headers: answerHeaders,
      });
    }
  };
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return noInput; // the adapter answers PARSE_ERROR in its own words
  }
}

function safeDecode(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}
