/** The consistency middleware with app.request: a bad token is a 400 naming the header before any handler; answers carry the write's token and the read models' facts. */
import { describe, expect, it } from "vitest";
import { Hono } from "hono";
import { v7 as uuidv7 } from "uuid";
import { consistencyOf, noteProducedEvent, noteReadModel } from "../core/consistency-scope";
import { createLogger } from "../core/logger";
import { createConsistencyTokens } from "../events/consistency-token";
import { consistency } from "./consistency";
import { correlationId, type CorrelationIdEnv } from "./correlation-id";

const tokens = createConsistencyTokens("a-mesh-secret-of-at-least-32-bytes-0123456789");
const came = tokens.issue([{ subject: "users.user.registered", id: uuidv7() }])!;

function appOf() {
  const handled: string[] = [];
  const app = new Hono<CorrelationIdEnv>();
  app.use(correlationId({ logger: createLogger({ worker: "t", level: "silent" }) }));
  app.use(consistency({ tokens }));
  app.post("/write", (c) => {
    handled.push("write");
    noteProducedEvent("orders.order.placed", uuidv7());
    return c.json({ ok: true });
  });
  app.get("/read", (c) => {
    handled.push("read");
    noteReadModel({ position: "ORDERS:7", lagMs: 12 });
    noteReadModel({ position: "INVENTORY:3", lagMs: 40 });
    return c.json({ readAfter: consistencyOf()?.readAfter ?? null });
  });
  return { app, handled };
}

describe("consistency()", () => {
  it("answers a write with a token naming its events and the token it came with", async () => {
    const { app } = appOf();
    const res = await app.request("/write", { method: "POST", headers: { "x-consistency-token": came } });
    const named = tokens.read(res.headers.get("x-consistency-token")!);
    expect(named.map((e) => e.owner).sort()).toEqual(["orders", "users"]);
  });

  it("keeps the request's token for its reads, answers without a token of its own, with the largest lag and every position", async () => {
    const { app } = appOf();
    const res = await app.request("/read", { headers: { "x-consistency-token": came } });
    expect(await res.json()).toEqual({ readAfter: came });
    expect(res.headers.get("x-consistency-token")).toBeNull();
    expect(res.headers.get("x-read-model-lag-ms")).toBe("40");
    expect(res.headers.get("x-read-model-position")).toBe("ORDERS:7,INVENTORY:3");
  });

  it("refuses a tampered token with a 400 naming the header, before the handler runs", async () => {
    const { app, handled } = appOf();
    const tampered = `${came.slice(0, -3)}${came.endsWith("A") ? "BBB" : "AAA"}`;
    const res = await app.request("/write", { method: "POST", headers: { "x-consistency-token": tampered } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string; details: { fields: { path: string }[] } } };
    expect(body.error.code).toBe("BAD_INPUT");
    expect(body.error.message).toMatch(/^x-consistency-token: /);
    expect(body.error.details.fields[0]!.path).toBe("x-consistency-token");
    expect(handled).toEqual([]);
  });
});
