import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createLogger } from "./logger";
import { procedures, router } from "./trpc";
import { createWorker } from "./worker";

const p = procedures<Record<string, never>>();
const echoRouter = router({ echo: p.internal.input(z.strictObject({ text: z.string() })).query(({ input }) => input) });

describe("createWorker", () => {
  it("answers a path it does not serve with a JSON 404 in the error shape, like every other answer", async () => {
    const worker = createWorker({ name: "echo", router: echoRouter, deps: {}, logger: createLogger({ worker: "echo", level: "silent" }) });
    const res = await worker.app.request("/no/such/path", { method: "POST" });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toEqual({ error: { code: "NOT_FOUND", message: "no route POST /no/such/path" } });
    expect(res.headers.get("x-correlation-id")).toBeTruthy();

    // The routes it does serve are untouched.
    expect((await worker.app.request("/health/live")).status).toBe(200);
    const echoed = await worker.app.request(`/trpc/echo?input=${encodeURIComponent(JSON.stringify({ text: "hi" }))}`);
    expect(((await echoed.json()) as { result: { data: unknown } }).result.data).toEqual({ text: "hi" });
  });
});
