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

  describe("with an Idempotency-Key", () => {
    const written = () => ({
      users: t.database.db.select().from(schema.users).all().length,
      outbox: t.database.db.select().from(schema.outbox).all().length,
      keys: t.database.db.select().from(schema.idempotencyKeys).all().length,
    });

    it("answers repeats of a keyed registration, some at once, with the first account and writes one account and one event", async () => {
      const registration = { email: "Kay@x.io", name: "Kay", idempotencyKey: "reg-1" };
      const first = data(await mutate("register", registration));
      const repeats = await Promise.all([1, 2, 3].map(() => mutate("register", registration)));
      for (const repeat of repeats) expect(data(repeat)).toEqual(first);
      expect(data(await mutate("register", registration))).toEqual(first);
      expect(written()).toEqual({ users: 1, outbox: 1, keys: 1 });
    });

    it("refuses the key sent with another email or name with a 409 naming the key, and writes nothing", async () => {
      await mutate("register", { email: "kay@x.io", name: "Kay", idempotencyKey: "reg-1" });
      for (const other of [
        { email: "bea@x.io", name: "Kay" },
        { email: "kay@x.io", name: "Kay B." },
      ]) {
        const refused = await mutate("register", { ...other, idempotencyKey: "reg-1" });
        expect(refused.status).toBe(409);
        expect(refused.body.error.data.domainCode).toBe("CONFLICT");
        expect(refused.body.error.message).toBe("Idempotency-Key reg-1 was already used for a different registration; a new request needs a new key");
      }
      expect(written()).toEqual({ users: 1, outbox: 1, keys: 1 });
    });

    it("still refuses a taken email under a new key, and keeps no key for a refused registration", async () => {
      await mutate("register", { email: "kay@x.io", name: "Kay" });
      const taken = await mutate("register", { email: "KAY@x.io", name: "Kay", idempotencyKey: "reg-2" });
      expect(taken.status).toBe(409);
      expect(taken.body.error.message).toContain("is already registered");
      expect(written()).toEqual({ users: 1, outbox: 1, keys: 0 });
    });
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
    const second = data(await query("list", { limit: 2, cursor: first.nextCursor }));
    // Newest first (ids are time-ordered): every user once across the pages.
    expect([...first.items, ...second.items].map((u: { email: string }) => u.email)).toEqual(["u3@x.io", "u2@x.io", "u1@x.io"]);
    expect(second.nextCursor).toBeNull();
    const tampered = await query("list", { cursor: "bm9wZQ" });
    expect([tampered.status, tampered.body.error.data.fields.map((f: { path: string }) => f.path)]).toEqual([400, ["cursor"]]);
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
