import { describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bunBin, runToEnd } from "../test/support/processes";
import { cacheStatements } from "./statement-cache";

describe("cacheStatements", () => {
  it("hands out one compiled statement per SQL text, least recently used out past its capacity", () => {
    const client = new Database(":memory:");
    client.exec("create table t (id integer primary key, v text)");
    let compiled = 0;
    const prepare = client.prepare.bind(client);
    client.prepare = ((sql: string) => (compiled++, prepare(sql))) as typeof client.prepare;
    cacheStatements(client, 2);

    const insert = client.prepare("insert into t (v) values (?)");
    expect(client.prepare("insert into t (v) values (?)")).toBe(insert);
    const select = client.prepare("select v from t where id = ?");
    client.prepare("insert into t (v) values (?)"); // used again: now the most recent
    client.prepare("select count(*) as n from t"); // third text: the select is the least recent, out
    expect(compiled).toBe(3);
    expect(client.prepare("insert into t (v) values (?)")).toBe(insert);
    expect(client.prepare("select v from t where id = ?")).not.toBe(select);
    expect(compiled).toBe(4);
    client.close();
  });

  it("keeps a worker's Drizzle queries right under Bun: reuse after a constraint error, reads after writes", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "bunmesh-stmt-cache-"));
    const script = `
      import { openWorkerDatabase } from "./shared/db";
      import * as schema from "./workers/users/schema";
      import { eq } from "drizzle-orm";
      const { db, close } = await openWorkerDatabase({ worker: "users", dataDir: ${JSON.stringify(dataDir)}, schema });
      const row = (id, email) => ({ id, email, emailKey: email, name: id, displayName: id, createdAt: "2026-01-01T00:00:00Z" });
      db.insert(schema.users).values(row("u1", "a@x.io")).run();
      let conflict = "none";
      try { db.insert(schema.users).values(row("u2", "a@x.io")).run(); } catch (error) { conflict = String(error.code ?? error.message); }
      db.insert(schema.users).values(row("u3", "b@x.io")).run();
      const read = (id) => db.select().from(schema.users).where(eq(schema.users.id, id)).get()?.email ?? null;
      console.log(JSON.stringify({ conflict, u1: read("u1"), u2: read("u2"), u3: read("u3"), count: db.select().from(schema.users).all().length }));
      close();
    `;
    const result = await runToEnd(bunBin, ["-e", script], {});
    expect(result.code, result.output).toBe(0);
    const line = result.output.split("\n").find((l) => l.startsWith("{"))!;
    expect(JSON.parse(line)).toEqual({ conflict: expect.stringMatching(/CONSTRAINT|UNIQUE/), u1: "a@x.io", u2: null, u3: "b@x.io", count: 2 });
  }, 30_000);
});
