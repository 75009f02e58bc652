import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openWorkerDatabase, type WorkerDatabase } from "../../shared/db";
import { createLogger } from "../../shared/logger";
import * as schema from "./schema";
import { createUsersWorker } from "./worker";

describe("users worker (in-process, better-sqlite3)", () => {
  let dir: string;
  let database: WorkerDatabase<typeof schema>;
  let worker: ReturnType<typeof createUsersWorker>;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "bunmesh-users-"));
    database = await openWorkerDatabase({ worker: "users", dataDir: dir, schema });
    worker = createUsersWorker({ db: database.db, logger: createLogger({ worker: "users", level: "silent" }), now: () => new Date("2026-01-01T00:00:00Z") });
    await worker.start();
  });
  afterEach(() => {
    database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = (path: string, body: unknown) =>
    worker.app.request(`/trpc/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  it("opens its own file with WAL, synchronous NORMAL, foreign keys and a busy timeout", () => {
    expect(database.file).toBe(join(dir, "users.db"));
    expect(database.pragma("journal_mode")).toBe("wal");
    expect(database.pragma("synchronous")).toBe(1); // NORMAL
    expect(database.pragma("foreign_keys")).toBe(1);
    expect(database.pragma("busy_timeout")).toBe(5000);
  });

  it("registers a user and reads it back", async () => {
    const created = await call("register", { email: "Ann@Example.com", name: "Ann" });
    expect(created.status).toBe(200);
    const user = (await created.json()).result.data;
    expect(user).toMatchObject({ email: "Ann@Example.com", name: "Ann" });
    const got = await worker.app.request(`/trpc/get?input=${encodeURIComponent(JSON.stringify({ id: user.id }))}`);
    expect((await got.json()).result.data).toEqual(user);
  });

  it("refuses an email already taken in another case with a conflict naming the email", async () => {
    await call("register", { email: "ann@example.com", name: "Ann" });
    const again = await call("register", { email: "ANN@example.com", name: "Other Ann" });
    expect(again.status).toBe(409);
    const body = await again.json();
    expect(body.error.message).toContain("ANN@example.com");
    expect(body.error.data.domainCode).toBe("CONFLICT");
  });

  it("answers bad input with a 400 naming each bad field and writes nothing", async () => {
    const bad = await call("register", { email: "not-an-email", name: 42 });
    expect(bad.status).toBe(400);
    const body = await bad.json();
    expect(body.error.data.fields.map((f: { path: string }) => f.path).sort()).toEqual(["email", "name"]);
    expect(body.error.message).toMatch(/email/);
    const unknownField = await call("register", { email: "a@b.io", name: "A", admin: true });
    expect(unknownField.status).toBe(400);
    expect((await unknownField.json()).error.message).toMatch(/admin/);
    const notJson = await worker.app.request("/trpc/register", { method: "POST", headers: { "content-type": "application/json" }, body: "{oops" });
    expect(notJson.status).toBe(400);
    expect(database.db.select().from(schema.users).all()).toHaveLength(0);
  });

  it("answers 404 naming the id for an unknown user", async () => {
    const res = await worker.app.request(`/trpc/get?input=${encodeURIComponent(JSON.stringify({ id: "nope" }))}`);
    expect(res.status).toBe(404);
    expect((await res.json()).error.message).toBe("user nope not found");
  });

  it("lists users page by page", async () => {
    for (const n of [1, 2, 3]) await call("register", { email: `u${n}@x.io`, name: `U${n}` });
    const first = (await (await worker.app.request(`/trpc/list?input=${encodeURIComponent(JSON.stringify({ limit: 2 }))}`)).json()).result.data;
    expect(first.items).toHaveLength(2);
    const second = (await (await worker.app.request(`/trpc/list?input=${encodeURIComponent(JSON.stringify({ limit: 2, after: first.next }))}`)).json()).result.data;
    expect(second.items.map((u: { email: string }) => u.email)).toEqual(["u3@x.io"]);
    expect(second.next).toBeNull();
  });

  it("is ready once started and echoes the caller's correlation id", async () => {
    const res = await worker.app.request("/health/ready", { headers: { "x-correlation-id": "corr-123" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-correlation-id")).toBe("corr-123");
  });
});

describe("users events", () => {
  it("writes user.registered to the outbox in the same transaction as the account", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bunmesh-users-ev-"));
    const database = await openWorkerDatabase({ worker: "users", dataDir: dir, schema });
    const worker = createUsersWorker({ db: database.db, logger: createLogger({ worker: "users", level: "silent" }), now: () => new Date() });
    await worker.app.request("/trpc/register", {
      method: "POST",
      headers: { "content-type": "application/json", "x-correlation-id": "corr-ev-1" },
      body: JSON.stringify({ email: "ev@x.io", name: "Ev" }),
    });
    const rows = database.db.select().from(schema.outbox).all();
    expect(rows).toHaveLength(1);
    const envelope = JSON.parse(rows[0]!.envelope);
    expect(envelope).toMatchObject({ subject: "users.user.registered", type: "users.user.registered", correlationId: "corr-ev-1", causationId: null });
    expect(envelope.data.name).toBe("Ev");
    expect(rows[0]!.sentAt).toBeNull();
    database.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
