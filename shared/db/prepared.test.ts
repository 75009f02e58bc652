import { describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq, sql } from "drizzle-orm";
import { openWorkerDatabase } from "./db";
import { attachPreparedMemo, createPreparedMemo, preparedQuery } from "./prepared";
import * as schema from "../../workers/users/schema";

describe("prepared queries per database", () => {
  it("builds a query once per table and name on a handle with a memo, and per call on one without", () => {
    const withMemo = {};
    attachPreparedMemo(withMemo, createPreparedMemo());
    let built = 0;
    const build = () => ({ n: ++built });
    const first = preparedQuery(withMemo, schema.users, "byId", build);
    expect(preparedQuery(withMemo, schema.users, "byId", build)).toBe(first);
    expect(preparedQuery(withMemo, schema.users, "other", build)).not.toBe(first);
    expect(preparedQuery(withMemo, schema.outbox, "byId", build)).not.toBe(first);
    expect(built).toBe(3);
    preparedQuery({}, schema.users, "byId", build);
    preparedQuery({}, schema.users, "byId", build);
    expect(built).toBe(5);
  });

  it("gives a database's transactions the database's memo, and its prepared query reads the transaction's writes", async () => {
    const database = await openWorkerDatabase({ worker: "users", dataDir: mkdtempSync(join(tmpdir(), "bunmesh-prepared-")), schema });
    try {
      const byId = () =>
        database.db
          .select()
          .from(schema.users)
          .where(eq(schema.users.id, sql.placeholder("id")))
          .prepare();
      const fromDb = preparedQuery(database.db, schema.users, "byId", byId);
      const seen = database.db.transaction((tx) => {
        expect(preparedQuery(tx, schema.users, "byId", byId)).toBe(fromDb);
        tx.insert(schema.users).values({ id: "u1", email: "a@x.io", emailKey: "a@x.io", name: "A", displayName: "A", createdAt: "2026-01-01T00:00:00Z" }).run();
        return fromDb.get({ id: "u1" })?.email;
      });
      expect(seen).toBe("a@x.io");
    } finally {
      database.close();
    }
  });
});
