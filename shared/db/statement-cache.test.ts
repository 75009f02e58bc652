import { describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bunBin, runToEnd } from "../../test/support/processes";
import { createStatementCache } from "./statement-cache";

/** A driver that counts compiles and finalizes, and a session in Drizzle's shape. */
function fakeDatabase(capacity: number) {
  const finalized: string[] = [];
  let compiled = 0;
  const driver = {
    prepare: (sql: string) => (compiled++, { sql, finalize: () => void finalized.push(sql) }),
    exec: () => undefined,
    transaction: (fn: () => unknown) => fn,
  };
  const cache = createStatementCache(driver, capacity);
  const session = {
    prepareQuery: (sql: string) => cache.client.prepare(sql),
    prepareOneTimeQuery: (sql: string) => cache.client.prepare(sql),
  };
  cache.serveOneTimeQueries({ session });
  return { cache, session, finalized, compiled: () => compiled };
}

describe("createStatementCache", () => {
  it("hands one-off queries one compiled statement per SQL text, least recently used out (and finalized) past its capacity", () => {
    const { session, finalized, compiled } = fakeDatabase(2);
    const insert = session.prepareOneTimeQuery("insert into t (v) values (?)");
    expect(session.prepareOneTimeQuery("insert into t (v) values (?)")).toBe(insert);
    const select = session.prepareOneTimeQuery("select v from t where id = ?");
    session.prepareOneTimeQuery("insert into t (v) values (?)"); // used again: now the most recent
    session.prepareOneTimeQuery("select count(*) as n from t"); // third text: the select is the least recent, out
    expect(compiled()).toBe(3);
    expect(finalized).toEqual(["select v from t where id = ?"]);
    expect(session.prepareOneTimeQuery("insert into t (v) values (?)")).toBe(insert);
    expect(session.prepareOneTimeQuery("select v from t where id = ?")).not.toBe(select);
    expect(compiled()).toBe(4);
  });

  it("gives a .prepare()d query its own statement, which no eviction finalizes", () => {
    const { cache, session, finalized } = fakeDatabase(1);
    const held = session.prepareQuery("select v from t where id = ?");
    expect(session.prepareQuery("select v from t where id = ?")).not.toBe(held);
    for (const n of [1, 2, 3]) session.prepareOneTimeQuery(`select ${n}`);
    expect(finalized).toEqual(["select 1", "select 2"]);
    expect(cache.size()).toBe(1);
  });

  it("keeps a worker's Drizzle queries right under Bun: reuse after a constraint error, reads after writes, a .prepare()d query after evictions", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "bunmesh-stmt-cache-"));
    const script = `
      import { openWorkerDatabase } from "./shared/db/db";
      import * as schema from "./workers/users/schema";
      import { eq, sql } from "drizzle-orm";
      const { db, close } = await openWorkerDatabase({ worker: "users", dataDir: ${JSON.stringify(dataDir)}, schema });
      const row = (id, email) => ({ id, email, emailKey: email, name: id, displayName: id, createdAt: "2026-01-01T00:00:00Z" });
      db.insert(schema.users).values(row("u1", "a@x.io")).run();
      let conflict = "none";
      try { db.insert(schema.users).values(row("u2", "a@x.io")).run(); } catch (error) { conflict = String(error.code ?? error.message); }
      db.insert(schema.users).values(row("u3", "b@x.io")).run();
      const byId = db.select().from(schema.users).where(eq(schema.users.id, sql.placeholder("id"))).prepare();
      for (let n = 0; n < 600; n++) db.all(sql.raw("select " + n)); // more texts than the cache holds: evictions finalize
      const read = (id) => byId.get({ id })?.email ?? null;
      console.log(JSON.stringify({ conflict, u1: read("u1"), u2: read("u2"), u3: read("u3"), count: db.select().from(schema.users).all().length }));
      close();
    `;
    const result = await runToEnd(bunBin, ["-e", script], {});
    expect(result.code, result.output).toBe(0);
    const line = result.output.split("\n").find((l) => l.startsWith("{"))!;
    expect(JSON.parse(line)).toEqual({ conflict: expect.stringMatching(/CONSTRAINT|UNIQUE/), u1: "a@x.io", u2: null, u3: "b@x.io", count: 2 });
  }, 30_000);
});
