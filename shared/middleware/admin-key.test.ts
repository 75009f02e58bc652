import { describe, expect, it } from "vitest";
import { Hono } from "hono";
import { DomainError, domainErrorCodes } from "../core/errors";
import { adminKey } from "./admin-key";

const key = "admin-key-for-the-middleware-test";

/** An app whose admin route echoes its body, and whose error handler answers a DomainError the gateway's way. */
function appWith(configured: string | null) {
  const bodiesRead: string[] = [];
  const app = new Hono();
  app.post("/admin/*", adminKey({ key: configured }));
  app.post("/admin/echo", async (c) => {
    bodiesRead.push(await c.req.text());
    return c.json({ ok: true });
  });
  app.get("/open", (c) => c.json({ ok: true }));
  app.onError((error, c) => {
    if (!(error instanceof DomainError)) throw error;
    return c.json({ code: error.code, message: error.message }, domainErrorCodes[error.code].http as 401);
  });
  return { app, bodiesRead };
}

const post = (app: Hono, authorization?: string) => app.request("/admin/echo", { method: "POST", headers: authorization === undefined ? {} : { authorization }, body: "{}" });

describe("adminKey middleware", () => {
  it("lets a request bearing the key through", async () => {
    const { app, bodiesRead } = appWith(key);
    const res = await post(app, `Bearer ${key}`);
    expect(res.status).toBe(200);
    expect(bodiesRead).toEqual(["{}"]);
  });

  it("refuses a missing, wrong or non-bearer key with 401 before the handler reads the body, never echoing the key", async () => {
    const { app, bodiesRead } = appWith(key);
    for (const authorization of [undefined, "", "Bearer wrong", `Basic ${key}`, `Bearer ${key}x`]) {
      const res = await post(app, authorization);
      expect(res.status, String(authorization)).toBe(401);
      const body = (await res.json()) as { code: string; message: string };
      expect(body).toEqual({ code: "UNAUTHENTICATED", message: "POST /admin/echo needs the admin API key: send Authorization: Bearer <ADMIN_API_KEY>" });
      expect(body.message).not.toContain(key);
    }
    expect(bodiesRead).toEqual([]);
  });

  it("refuses everyone when no key is configured, and leaves other routes alone", async () => {
    const { app } = appWith(null);
    expect((await post(app, "Bearer ")).status).toBe(401);
    expect((await post(app, `Bearer ${key}`)).status).toBe(401);
    expect((await app.request("/open")).status).toBe(200);
  });
});
