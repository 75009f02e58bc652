import { describe, expect, it } from "vitest";
import { Hono, type Context } from "hono";
import { trpcServer } from "@hono/trpc-server";
import { createTRPCClient, httpBatchLink, httpLink } from "@trpc/client";
import { z } from "zod";
import { createServiceIdentity } from "./identity";
import { createLogger } from "../core/logger";
import { DomainError } from "../core/errors";
import { procedures, router, type MeshContext } from "./trpc";
import { createWorker, type WorkerEnv } from "../worker/worker";
import { singleCallRoute } from "./trpc-route";

const secret = "trpc-route-test-mesh-secret-0123456789";
const p = procedures<{ names: Map<string, string> }>();
const testRouter = router({
  get: p.public.input(z.strictObject({ id: z.string() })).query(({ ctx, input }) => {
    const name = ctx.deps.names.get(input.id);
    if (name === undefined) throw new DomainError("NOT_FOUND", `product ${input.id} not found`, { id: input.id });
    return { id: input.id, name };
  }),
  nothing: p.public.query(() => undefined),
  rename: p.public.input(z.strictObject({ id: z.string(), name: z.string().min(1) })).mutation(({ ctx, input }) => {
    ctx.deps.names.set(input.id, input.name);
    return { renamed: input.id };
  }),
  nested: router({ whoAmI: p.callers("orders").query(({ ctx }) => ({ caller: ctx.caller })) }),
});

const logger = createLogger({ worker: "route-test", level: "silent" });
const deps = { names: new Map([["p1", "Lamp + shade"]]) };
const identity = createServiceIdentity({ self: "catalog", secret });
const worker = createWorker({ name: "catalog", router: testRouter, deps: { ...deps, logger, identity } });

// The reference: the same router behind @hono/trpc-server alone, with the context the worker builds.
const reference = new Hono<WorkerEnv>();
reference.use("*", async (c, next) => {
  c.set("correlationId", "reference");
  c.set("logger", logger);
  await next();
});
reference.use(
  "/trpc/*",
  trpcServer({
    router: testRouter,
    endpoint: "/trpc",
    createContext: async (_opts, c: Context<WorkerEnv>) => {
      const token = c.req.header("authorization")?.replace(/^Bearer /, "");
      const auth = await identity.verify(token).then(
        ({ caller }) => ({ status: "verified" as const, caller }),
        (error) => ({ status: "rejected" as const, reason: error.reason, claimedCaller: null }),
      );
      return { correlationId: "reference", caller: null, logger, deps, auth, admin: false } satisfies MeshContext as unknown as Record<string, unknown>;
    },
  }),
);

async function answerOf(app: Hono<WorkerEnv>, path: string, init?: RequestInit) {
  const response = await app.request(`http://worker${path}`, init);
  return { status: response.status, contentType: response.headers.get("content-type"), vary: response.headers.get("vary"), body: await response.text() };
}

const q = (input: unknown) => `input=${encodeURIComponent(JSON.stringify(input))}`;
const post = (body: string): RequestInit => ({ method: "POST", headers: { "content-type": "application/json" }, body });

describe("single tRPC calls answered without the fetch adapter", () => {
  const cases: [string, string, RequestInit?][] = [
    ["query success", `/trpc/get?${q({ id: "p1" })}`],
    ["query without input", "/trpc/nothing"],
    ["zod error (unknown key, missing field)", `/trpc/get?${q({ idd: "p1" })}`],
    ["domain error", `/trpc/get?${q({ id: "p9" })}`],
    ["unknown procedure", `/trpc/nope?${q({})}`],
    ["malformed JSON input", "/trpc/get?input=%7Bnot-json"],
    ["query sent as POST", "/trpc/get", post(JSON.stringify({ id: "p1" }))],
    ["mutation success", "/trpc/rename", post(JSON.stringify({ id: "p2", name: "Chair" }))],
    ["mutation zod error", "/trpc/rename", post(JSON.stringify({ id: "p2", name: "" }))],
    ["mutation sent as GET", `/trpc/rename?${q({ id: "p2", name: "Chair" })}`],
    ["internal procedure without a token", "/trpc/nested.whoAmI"],
    ["batch of two", `/trpc/get,get?batch=1&${q({ 0: { id: "p1" }, 1: { id: "p9" } })}`],
  ];
  for (const [name, path, init] of cases) {
    it(`answers byte for byte as @hono/trpc-server does: ${name}`, async () => {
      const fast = await answerOf(worker.app, path, init);
      const standard = await answerOf(reference, path, init);
      expect(fast).toEqual(standard);
    });
  }

  it("answers a signed call on a nested path as the adapter does, with the caller from the token", async () => {
    const init = { headers: { authorization: `Bearer ${await createServiceIdentity({ self: "orders", secret }).tokenFor("catalog")}` } };
    const fast = await answerOf(worker.app, "/trpc/nested.whoAmI", init);
    expect(fast).toEqual(await answerOf(reference, "/trpc/nested.whoAmI", init));
    expect(JSON.parse(fast.body)).toEqual({ result: { data: { caller: "orders" } } });
  });

  it("serves @trpc/client's httpLink and httpBatchLink alike (plus signs and spaces survive the query string)", async () => {
    const fetchFromApp = async (input: RequestInfo | URL, init?: RequestInit) => worker.app.request(String(input), init);
    for (const link of [httpLink({ url: "http://worker/trpc", fetch: fetchFromApp }), httpBatchLink({ url: "http://worker/trpc", fetch: fetchFromApp })]) {
      const client = createTRPCClient<typeof testRouter>({ links: [link] });
      expect(await client.get.query({ id: "p1" })).toEqual({ id: "p1", name: "Lamp + shade" });
      await expect(client.get.query({ id: "p 9+" })).rejects.toMatchObject({ message: "product p 9+ not found", data: { domainCode: "NOT_FOUND", httpStatus: 404 } });
      expect(await client.rename.mutate({ id: "p3", name: "Desk + lamp" })).toEqual({ renamed: "p3" });
      expect(deps.names.get("p3")).toBe("Desk + lamp");
    }
  });

  it("leaves batches, unknown paths and mismatched methods to the adapter, and nothing else", async () => {
    const fellBack: string[] = [];
    const app = new Hono<WorkerEnv>();
    app.use(
      "/trpc/*",
      singleCallRoute<WorkerEnv>({
        router: testRouter,
        endpoint: "/trpc",
        createContext: async () => ({ correlationId: "c", caller: null, logger, deps }) satisfies MeshContext,
        fallback: async (c) => (fellBack.push(c.req.path), c.text("adapter")),
      }),
    );
    for (const path of [`/trpc/get?${q({ id: "p1" })}`, `/trpc/get?${q({ id: "p9" })}`, "/trpc/nothing"]) await app.request(path);
    await app.request("/trpc/rename", post(JSON.stringify({ id: "p4", name: "Shelf" })));
    expect(fellBack).toEqual([]);
    await app.request(`/trpc/get,get?batch=1&${q({ 0: { id: "p1" }, 1: { id: "p1" } })}`);
    await app.request(`/trpc/nope?${q({})}`);
    await app.request("/trpc/get", post("{}"));
    await app.request("/trpc/rename", { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" });
    expect(fellBack).toEqual(["/trpc/get,get", "/trpc/nope", "/trpc/get", "/trpc/rename"]);
  });
});
