import { describe, expect, it } from "vitest";
import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bunBin, runToEnd, waitFor } from "../../test/support/processes";
import { openWorkerDatabase } from "./db";
import * as schema from "../../workers/users/schema";
import { backstopPages, startCheckpointLoop } from "./wal-checkpoints";

const row = (n: number) => ({ id: `u${n}`, email: `${n}@x.io`, emailKey: `${n}@x.io`, name: `U ${n}`, displayName: `U ${n}`, createdAt: "2026-01-01T00:00:00Z" });
const sizeOf = (path: string) => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

async function waitUntil(check: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
}

describe("WAL checkpoints in the background", () => {
  it("copies committed pages into the DB file and truncates a WAL past its limit, off the serving connection (Node: a timer)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "bunmesh-wal-"));
    const database = await openWorkerDatabase({ worker: "users", dataDir, schema, checkpoints: { intervalMs: 20, truncateAboveBytes: 64 * 1024 } });
    try {
      expect(database.pragma("wal_autocheckpoint")).toBe(backstopPages);
      const before = sizeOf(database.file);
      for (let n = 0; n < 400; n++) database.db.insert(schema.users).values(row(n)).run();
      expect(sizeOf(`${database.file}-wal`)).toBeGreaterThan(64 * 1024);
      expect(await waitUntil(() => sizeOf(database.file) > before && sizeOf(`${database.file}-wal`) === 0)).toBe(true);
      expect(database.db.select().from(schema.users).all()).toHaveLength(400);
    } finally {
      database.close();
    }
  });

  it("does the same from a Worker thread under Bun, and leaves SQLite's own checkpoint alone when turned off", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "bunmesh-wal-bun-"));
    const script = `
      import { statSync } from "node:fs";
      import { openWorkerDatabase } from "./shared/db/db";
      import * as schema from "./workers/users/schema";
      const size = (p) => { try { return statSync(p).size; } catch { return 0; } };
      const row = (n) => ({ id: "u" + n, email: n + "@x.io", emailKey: n + "@x.io", name: "U", displayName: "U", createdAt: "2026-01-01T00:00:00Z" });
      const database = await openWorkerDatabase({ worker: "users", dataDir: ${JSON.stringify(dataDir)}, schema, checkpoints: { intervalMs: 20, truncateAboveBytes: 64 * 1024 } });
      const before = size(database.file);
      for (let n = 0; n < 400; n++) database.db.insert(schema.users).values(row(n)).run();
      const walAfterWrites = size(database.file + "-wal");
      let waited = 0;
      while ((size(database.file) <= before || size(database.file + "-wal") > 0) && waited < 5000) { await Bun.sleep(20); waited += 20; }
      const result = { backstop: database.pragma("wal_autocheckpoint"), walAfterWrites, grew: size(database.file) > before, walNow: size(database.file + "-wal"), rows: database.db.select().from(schema.users).all().length };
      database.close();
      const plain = await openWorkerDatabase({ worker: "plain", dataDir: ${JSON.stringify(dataDir)}, schema: {}, migrationsFolder: "migrations/users", checkpoints: false });
      result.plainAutocheckpoint = plain.pragma("wal_autocheckpoint");
      plain.close();
      console.log(JSON.stringify(result));
    `;
    const result = await runToEnd(bunBin, ["-e", script], {});
    expect(result.code, result.output).toBe(0);
    const line = result.output.split("\n").find((l) => l.startsWith("{"))!;
    expect(JSON.parse(line)).toEqual({ backstop: backstopPages, walAfterWrites: expect.any(Number), grew: true, walNow: 0, rows: 400, plainAutocheckpoint: 1000 });
    expect(JSON.parse(line).walAfterWrites).toBeGreaterThan(64 * 1024);
  }, 30_000);
});

describe("startCheckpointLoop", () => {
  it("checkpoints while the WAL changes, and runs none while it does not, looking less often", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bunmesh-checkpoint-loop-"));
    const file = join(dir, "x.db");
    writeFileSync(`${file}-wal`, "frames");
    const pragmas: string[] = [];
    const loop = startCheckpointLoop(file, { intervalMs: 10, truncateAboveBytes: 1024 }, (pragma) => void pragmas.push(pragma), { idleMaxMs: 40, unref: true });
    await waitFor("the first checkpoint", async () => (pragmas.length === 1 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(pragmas).toEqual(["PRAGMA wal_checkpoint(PASSIVE)"]); // nothing written since: no checkpoint
    writeFileSync(`${file}-wal`, "x".repeat(2048));
    await waitFor("a checkpoint of the new frames", async () => (pragmas.length === 2 ? true : undefined));
    expect(pragmas[1]).toBe("PRAGMA wal_checkpoint(TRUNCATE)"); // past truncateAboveBytes
    loop.stop();
  });
});
