import { afterAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runToEnd, bunBin, startWorker, stopAll, tempDir, trpcMutation, trpcQuery } from "./support/processes";

afterAll(stopAll);

describe("a worker as a real Bun process", () => {
  it("serves its router over HTTP on its own SQLite file and keeps data across a SIGKILL", async () => {
    const dataDir = tempDir("users-proc");
    const first = await startWorker("users", { DATA_DIR: dataDir });
    const created = await trpcMutation(first.url, "register", { email: "proc@x.io", name: "Proc" });
    expect(created.status).toBe(200);
    expect(existsSync(join(dataDir, "users.db"))).toBe(true);
    await first.kill("SIGKILL");

    const second = await startWorker("users", { DATA_DIR: dataDir });
    const got = await trpcQuery(second.url, "get", { id: created.body.result.data.id });
    expect(got.body.result.data.email).toBe("proc@x.io");
    await second.kill("SIGTERM");
  });

  it("stops cleanly on SIGTERM with exit code 0", async () => {
    const worker = await startWorker("users", { DATA_DIR: tempDir("users-term") });
    expect(await worker.kill("SIGTERM")).toBe(0);
  });

  it("refuses bad configuration naming every bad variable, exit code 1", async () => {
    const { code, output } = await runToEnd(bunBin, ["run", "workers/users/main.ts"], {
      PORT: "not-a-port",
      LOG_LEVEL: "loud",
      DATA_DIR: tempDir("users-badcfg"),
    });
    expect(code).toBe(1);
    expect(output).toContain("PORT");
    expect(output).toContain("LOG_LEVEL");
    expect(output).toContain('"loud"');
  });
});
