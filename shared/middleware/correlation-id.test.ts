import { describe, expect, it } from "vitest";
import { Hono } from "hono";
import { createLogger } from "../core/logger";
import { currentCorrelationId } from "../core/request-scope";
import { correlationId, type CorrelationIdEnv } from "./correlation-id";

function app() {
  const app = new Hono<CorrelationIdEnv>();
  app.use(correlationId({ logger: createLogger({ worker: "test", level: "silent" }) }));
  app.get("/", (c) => c.json({ fromContext: c.get("correlationId"), fromScope: currentCorrelationId() }));
  app.get("/replaced", () => new Response("built elsewhere"));
  return app;
}

describe("correlationId()", () => {
  it("keeps a sane caller's ID: on the context, in the request scope and on the answer", async () => {
    const res = await app().request("/", { headers: { "x-correlation-id": "order-42:abc" } });
    expect(res.headers.get("x-correlation-id")).toBe("order-42:abc");
    expect(await res.json()).toEqual({ fromContext: "order-42:abc", fromScope: "order-42:abc" });
  });

  it("replaces a missing or unsafe ID with a fresh one", async () => {
    for (const headers of [{}, { "x-correlation-id": "bad id\twith spaces" }, { "x-correlation-id": "x".repeat(129) }] as Record<string, string>[]) {
      const res = await app().request("/", { headers });
      const body = (await res.json()) as { fromContext: string; fromScope: string };
      expect(body.fromContext).toMatch(/^[0-9a-f-]{36}$/);
      expect(body.fromScope).toBe(body.fromContext);
      expect(res.headers.get("x-correlation-id")).toBe(body.fromContext);
    }
  });

  it("echoes the ID on an answer a handler built as a bare Response", async () => {
    const res = await app().request("/replaced", { headers: { "x-correlation-id": "abc" } });
    expect(await res.text()).toBe("built elsewhere");
    expect(res.headers.get("x-correlation-id")).toBe("abc");
  });
});
