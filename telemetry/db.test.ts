import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { startOtlpReceiver, statusCode, type OtlpReceiver } from "../test/support/otlp-receiver";
import { parsePrometheusText, sampleValue } from "../test/support/prometheus";
import { openWorkerDatabase } from "../shared/db/db";
import * as schema from "../workers/users/schema";
import { startTelemetry, type Telemetry } from "./sdk";
import { operationOf } from "./db";

let receiver: OtlpReceiver;
let telemetry: Telemetry;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
  telemetry = await startTelemetry({ serviceName: "db-test", serviceVersion: "0.0.0", env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
});
afterAll(async () => {
  await telemetry.shutdown();
  await receiver.close();
});

const metric = async (name: string, labels: Record<string, string> = {}) => sampleValue(parsePrometheusText(await telemetry.metricsText()), name, labels);

describe("operationOf", () => {
  it("names a transaction by its first write, else its first read", () => {
    expect(operationOf(['select "id" from "users" where "email_key" = ?', 'insert into "users" ("id") values (?)', 'insert into "outbox" ("seq") values (?)'])).toBe("insert users");
    expect(operationOf(['update "stock" set "reserved" = ? where "product_id" = ?'])).toBe("update stock");
    expect(operationOf(['delete from "inbox" where "handled_at" < ?'])).toBe("delete inbox");
    expect(operationOf(['select count(*) from "outbox" where "sent_at" is null'])).toBe("select outbox");
    expect(operationOf([])).toBe("empty");
  });
});

describe("traced SQLite transactions", () => {
  it("spans a transaction with its parameterized statements, and a rolled back one with ERROR", async () => {
    const database = await openWorkerDatabase({ worker: "users", dataDir: mkdtempSync(join(tmpdir(), "bunmesh-teldb-")), schema });
    const row = { id: "u1", email: "secret@x.io", emailKey: "secret@x.io", name: "S", displayName: "S", createdAt: "2026-01-01T00:00:00Z" };
    database.db.transaction((tx) => tx.insert(schema.users).values(row).run(), { behavior: "immediate" });
    expect(() =>
      database.db.transaction((tx) => {
        tx.update(schema.users).set({ name: "T" }).run();
        throw new Error("changed my mind");
      }),
    ).toThrow("changed my mind");
    await telemetry.flush();
    const spans = await receiver.waitForSpans((all) => all.filter((s) => s.name.startsWith("db.transaction")).length >= 2);
    const insert = spans.find((s) => s.name === "db.transaction insert users")!;
    expect(insert.attributes).toMatchObject({ "db.system": "sqlite", "db.namespace": "users", "db.transaction.behavior": "immediate", "db.transaction.outcome": "commit" });
    expect(insert.attributes["db.query.text"]).toMatch(/^insert into "users" .*values \(\?, \?, \?, \?, \?, \?\)/);
    expect(JSON.stringify(insert.attributes)).not.toContain("secret@x.io");
    const update = spans.find((s) => s.name === "db.transaction update users")!;
    expect(update.statusCode).toBe(statusCode.error);
    expect(update.attributes["db.transaction.outcome"]).toBe("rollback");
    expect(await metric("db_transaction_duration_count", { db_operation: "insert users", outcome: "commit" })).toBe(1);
    expect(await metric("db_file_bytes", { db_namespace: "users" })).toBeGreaterThan(0);
    database.close();
  });

  it("counts a wait for another process's write lock, and a SQLITE_BUSY after busy_timeout", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "bunmesh-telbusy-"));
    const database = await openWorkerDatabase({ worker: "users", dataDir, schema, busyTimeoutMs: 3000 });
    // Another process takes the write lock and holds it for 300 ms.
    const holder = spawn(
      process.execPath,
      [
        "-e",
        `const db = require("better-sqlite3")(${JSON.stringify(database.file)}); db.exec("BEGIN IMMEDIATE"); console.log("locked");
       setTimeout(() => { db.exec("COMMIT"); db.close(); }, 300);`,
      ],
      { cwd: process.cwd(), stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve) => holder.stdout!.once("data", () => resolve()));
    // The counters are per process and other transactions in this file (migrations, the test
    // above) may have taken a slow BEGIN on a loaded machine, so compare against a baseline:
    // exactly one transaction runs between the two readings.
    const waitedBefore = await metric("db_busy_total", { db_namespace: "users", outcome: "waited" });
    const waitSecondsBefore = await metric("db_busy_wait_seconds_sum", { db_namespace: "users" });
    database.db.transaction((tx) => tx.run(sql`update users set name = name`), { behavior: "immediate" });
    await new Promise((resolve) => holder.once("exit", resolve));
    expect((await metric("db_busy_total", { db_namespace: "users", outcome: "waited" })) - waitedBefore).toBe(1);
    expect((await metric("db_busy_wait_seconds_sum", { db_namespace: "users" })) - waitSecondsBefore).toBeGreaterThan(0.1);
    database.close();

    const impatient = await openWorkerDatabase({ worker: "users", dataDir, schema, busyTimeoutMs: 50 });
    const holder2 = spawn(
      process.execPath,
      [
        "-e",
        `const db = require("better-sqlite3")(${JSON.stringify(impatient.file)}); db.exec("BEGIN IMMEDIATE"); console.log("locked");
       setTimeout(() => { db.exec("COMMIT"); db.close(); }, 500);`,
      ],
      { cwd: process.cwd(), stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve) => holder2.stdout!.once("data", () => resolve()));
    const failedBefore = await metric("db_busy_total", { db_namespace: "users", outcome: "failed" });
    expect(() => impatient.db.transaction((tx) => tx.run(sql`update users set name = name`), { behavior: "immediate" })).toThrow(/locked|busy/i);
    await new Promise((resolve) => holder2.once("exit", resolve));
    expect((await metric("db_busy_total", { db_namespace: "users", outcome: "failed" })) - failedBefore).toBe(1);
    impatient.close();
  });
});
