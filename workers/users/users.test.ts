import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { useInProcessWorker } from "../../test/support/in-process";
import * as schema from "./schema";
import { createUsersWorker } from "./worker";

describe("users worker (in-process, better-sqlite3)", () => {
  const t = useInProcessWorker("users", schema, (deps) => createUsersWorker(deps));
  const { mutate, query, data } = t;

  it("opens its own file with WAL, synchronous NORMAL, foreign keys and a busy timeout", () => {
    expect(t.database.file).toBe(join(t.dir, "users.db"));
    expect(t.database.pragma("journal_mode")).toBe("wal");
    expect(t.database.pragma("synchronous")).toBe(1); // NORMAL
    expect(t.database.pragma("foreign_keys")).toBe(1);
    expect(t.database.pragma("busy_timeout")).toBe(5000);
  });

  it("registers a user and reads it back", async () => {
    const created = await mutate("register", { email: "Ann@Example.com", name: "Ann" });
    expect(created.status).toBe(200);
    const user = data(created);
    expect(user).toMatchObject({ email: "Ann@Example.com", name: "Ann" });
    expect(data(await query("get", { id: user.id }))).toEqual(user);
  });

  it("refuses an email already taken in another case with a conflict naming the email", async () => {
    await mutate("register", { email: "ann@example.com", name: "Ann" });
    const again = await mutate("register", { email: "ANN@example.com", name: "Other Ann" });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain("ANN@example.com");
    expect(again.body.error.data.domainCode).toBe("CONFLICT");
  });

  it("answers bad input with a 400 naming each bad field and writes nothing", async () => {
    const bad = await mutate("register", { email: "not-an-email", name: 42 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.data.fields.map((f: { path: string }) => f.path).sort()).toEqual(["email", "name"]);
    expect(bad.body.error.message).toMatch(/email/);
    const unknownField = await mutate("register", { email: "a@b.io", name: "A", admin: true });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error.message).toMatch(/admin/);
    const notJson = await t.worker.app.request("/trpc/register", { method: "POST", headers: { "content-type": "application/json" }, body: "{oops" });
    expect(notJson.status).toBe(400);
    expect(t.database.db.select().from(schema.users).all()).toHaveLength(0);
  });

  it("answers 404 naming the id for an unknown user", async () => {
    const res = await query("get", { id: "nope" });
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe("user nope not found");
  });

  it("lists users page by page", async () => {
    for (const n of [1, 2, 3]) await mutate("register", { email: `u${n}@x.io`, name: `U${n}` });
    const first = data(await query("list", { limit: 2 }));
    expect(first.items).toHaveLength(2);
    const second = data(await query("list", { limit: 2, after: first.next }));
    expect(second.items.map((u: { email: string }) => u.email)).toEqual(["u3@x.io"]);
    expect(second.next).toBeNull();
  });

  it("is ready once started and echoes the caller's correlation id", async () => {
    const res = await t.worker.app.request("/health/ready", { headers: { "x-correlation-id": "corr-123" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-correlation-id")).toBe("corr-123");
  });
});

describe("users events", () => {
  const t = useInProcessWorker("users", schema, (deps) => createUsersWorker(deps), { now: () => new Date() });

  it("writes user.registered to the outbox in the same transaction as the account", async () => {
    await t.mutate("register", { email: "ev@x.io", name: "Ev" }, { "x-correlation-id": "corr-ev-1" });
    const rows = t.database.db.select().from(schema.outbox).all();
    expect(rows).toHaveLength(1);
    const envelope = JSON.parse(rows[0]!.envelope);
    expect(envelope).toMatchObject({ subject: "users.user.registered", type: "users.user.registered", correlationId: "corr-ev-1", causationId: null });
    expect(envelope.data.name).toBe("Ev");
    expect(rows[0]!.sentAt).toBeNull();
  });
});
