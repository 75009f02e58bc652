import { describe, expect, it } from "vitest";
import { Hono } from "hono";
import { jsonBodyOnly } from "./json-body";

function appCounting() {
  const seen: string[] = [];
  const app = new Hono();
  app.use("*", jsonBodyOnly());
  app.all("/things", async (c) => {
    seen.push(await c.req.text());
    return c.json({ ok: true });
  });
  return { app, seen };
}

const body = JSON.stringify({ name: "x" });

describe("jsonBodyOnly", () => {
  it("lets a JSON body through, with parameters and +json types", async () => {
    const { app, seen } = appCounting();
    for (const type of ["application/json", "application/json; charset=utf-8", "Application/JSON", "application/merge-patch+json"]) {
      const response = await app.request("/things", { method: "POST", headers: { "content-type": type }, body });
      expect(response.status, type).toBe(200);
    }
    expect(seen).toHaveLength(4);
  });

  it("refuses a body under another content type, or none, with 415 naming the expected type, before the handler", async () => {
    const { app, seen } = appCounting();
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonx", undefined]) {
      const request = new Request("http://local/things", { method: "POST", body });
      if (type === undefined) request.headers.delete("content-type");
      else request.headers.set("content-type", type);
      const response = await app.request(request);
      expect(response.status, String(type)).toBe(415);
      const answer = (await response.json()) as { error: { code: string; message: string } };
      expect(answer.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
      expect(answer.error.message).toContain("application/json");
    }
    expect(seen).toEqual([]);
  });

  it("does not ask a request without a body for a content type", async () => {
    const { app, seen } = appCounting();
    expect((await app.request("/things", { method: "POST" })).status).toBe(200);
    expect((await app.request("/things")).status).toBe(200);
    expect(seen).toEqual(["", ""]);
  });
});
