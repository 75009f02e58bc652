/**
 * Configuration errors are named at start, one line per bad variable, exit code 1 and no stack:
 * the launcher checks every variable it reads (ADMIN_API_KEY_FILE and the other secret files,
 * BACKUP_INTERVAL(_<WORKER>), BACKUP_KEEP, each worker's own variables and the rules between its
 * retentions) before it starts anything, `mesh backup` names a bad
 * BACKUP_INTERVAL, and the gateway run on its own names an unreadable ADMIN_API_KEY_FILE.
 */
import { afterAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { bunBin, freePort, runToEnd, startWorker, stopAll, tempDir } from "./support/processes";

afterAll(stopAll);

const meshCli = (args: string[], env: Record<string, string>) => runToEnd(bunBin, ["run", "shared/mesh/cli.ts", ...args], env);

/** Exit 1, each expected line present, and nothing that looks like a stack trace. */
function expectConfigError(result: { code: number | null; output: string }, lines: RegExp[]): void {
  expect(result.code, result.output).toBe(1);
  expect(result.output).toMatch(/invalid configuration/);
  for (const line of lines) expect(result.output).toMatch(line);
  expect(result.output, "a stack trace").not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
}

describe("configuration errors at start", () => {
  it("the launcher names an unreadable ADMIN_API_KEY_FILE and a bad BACKUP_INTERVAL together, and starts nothing", async () => {
    const dataDir = tempDir("config-errors");
    const missing = join(dataDir, "no-such-key");
    const result = await meshCli(["up"], {
      DATA_DIR: dataDir,
      NATS_URL: `nats://127.0.0.1:${await freePort()}`,
      ADMIN_API_KEY: "",
      ADMIN_API_KEY_FILE: missing,
      BACKUP_INTERVAL: "often",
      BACKUP_INTERVAL_PAYMENTS: "0s",
      BACKUP_INTERVAL_NOPE: "5m",
    });
    expectConfigError(result, [
      new RegExp(`^\\s+- ADMIN_API_KEY_FILE: cannot read ${missing} \\(ENOENT\\)$`, "m"),
      /^\s+- BACKUP_INTERVAL: not an interval: "often" \(use e\.g\. 30s, 15m, 1h, 7d\)/m,
      /^\s+- BACKUP_INTERVAL_PAYMENTS: must be at least 1ms/m,
      /^\s+- BACKUP_INTERVAL_NOPE: no worker with a database is called nope/m,
    ]);
    expect(result.output).not.toContain("starting");
    expect(existsSync(join(dataDir, "mesh.json"))).toBe(false);
    expect(existsSync(join(dataDir, "secrets"))).toBe(false);
  });

  it("the launcher names a bad BACKUP_KEEP and MESH_TOKEN_SECRET_FILE", async () => {
    const dataDir = tempDir("config-errors-keep");
    const result = await meshCli(["up"], { DATA_DIR: dataDir, BACKUP_KEEP: "0", MESH_TOKEN_SECRET: "", MESH_TOKEN_SECRET_FILE: join(dataDir, "nothing") });
    expectConfigError(result, [/^\s+- BACKUP_KEEP: .*\(got "0"\)$/m, /^\s+- MESH_TOKEN_SECRET_FILE: cannot read .*nothing \(ENOENT\)$/m]);
  });

  it("the launcher checks each worker's own variables before starting any, naming the workers they concern", async () => {
    const dataDir = tempDir("config-errors-workers");
    const result = await meshCli(["up"], { DATA_DIR: dataDir, NATS_URL: `nats://127.0.0.1:${await freePort()}`, LOG_LEVEL: "loud", ORDER_WAIT_MS: "soon" });
    expectConfigError(result, [/^\s+- LOG_LEVEL: .*\(got "loud"\) \[.*users.*gateway.*\]$/m, /^\s+- ORDER_WAIT_MS: .*\(got "soon"\) \[orders\]$/m]);
    expect(existsSync(join(dataDir, "mesh.json"))).toBe(false);
  });

  it("the launcher names a bad retention and a stream kept shorter than the inbox before starting anything; a worker alone does too", async () => {
    const dataDir = tempDir("config-errors-retention");
    const natsUrl = `nats://127.0.0.1:${await freePort()}`;
    const badValue = await meshCli(["up"], { DATA_DIR: dataDir, NATS_URL: natsUrl, IDEMPOTENCY_KEY_RETENTION: "a day" });
    expectConfigError(badValue, [/^\s+- IDEMPOTENCY_KEY_RETENTION: not an interval: "a day".* \[.*users.*gateway.*\]$/m]);
    const shortStream = await meshCli(["up"], { DATA_DIR: dataDir, NATS_URL: natsUrl, STREAM_MAX_AGE: "2d" });
    expectConfigError(shortStream, [/^\s+- STREAM_MAX_AGE: must be at least INBOX_RETENTION.* \[.*users.*gateway.*\]$/m]);
    expect(existsSync(join(dataDir, "mesh.json"))).toBe(false);
    const alone = await runToEnd(bunBin, ["run", "workers/users/main.ts"], { DATA_DIR: dataDir, NATS_URL: natsUrl, PORT: String(await freePort()), INBOX_RETENTION: "5m" });
    expectConfigError(alone, [/^users: invalid configuration:\n\s+- INBOX_RETENTION: must be longer than the redelivery window \(10 min\)/m]);
  });

  it("`mesh backup` names a bad BACKUP_INTERVAL instead of failing with a stack", async () => {
    const result = await meshCli(["backup"], { DATA_DIR: tempDir("config-errors-backup"), BACKUP_INTERVAL: "15 minutes" });
    expectConfigError(result, [/^\s+- BACKUP_INTERVAL: not an interval: "15 minutes"/m]);
  });

  it("the gateway on its own names an unreadable ADMIN_API_KEY_FILE", async () => {
    const missing = join(tempDir("config-errors-gateway"), "admin-key");
    const result = await runToEnd(bunBin, ["run", "workers/gateway/main.ts"], { ADMIN_API_KEY_FILE: missing, GATEWAY_PORT: String(await freePort()) });
    expectConfigError(result, [new RegExp(`^gateway: invalid configuration:\\n\\s+- ADMIN_API_KEY_FILE: cannot read ${missing} \\(ENOENT\\)$`, "m")]);
  });
});

describe("OUTPUT_VALIDATION reaches the worker", () => {
  it("a worker run with OUTPUT_VALIDATION=off says so on /health/ready (on by default); the launcher names any other value", async () => {
    const env = { DATA_DIR: tempDir("output-validation"), NATS_URL: `nats://127.0.0.1:${await freePort()}` };
    const [off, on] = await Promise.all([startWorker("users", { ...env, OUTPUT_VALIDATION: "off" }), startWorker("catalog", env)]);
    const readiness = async (url: string) => ((await (await fetch(`${url}/health/ready`)).json()) as { outputValidation?: string }).outputValidation;
    expect([await readiness(off.url), await readiness(on.url)]).toEqual(["off", "on"]);
    const refused = await meshCli(["up"], { DATA_DIR: tempDir("output-validation-bad"), NATS_URL: env.NATS_URL, OUTPUT_VALIDATION: "sometimes" });
    expectConfigError(refused, [/^\s+- OUTPUT_VALIDATION: .*\(got "sometimes"\) \[.*users.*gateway.*\]$/m]);
  });
});
