/**
 * The worker's NATS connection loop against a real nats-server with users: a connection refused
 * for bad credentials (which nats.js does not retry) is tried again, and once the server accepts
 * them (its config reloaded with SIGHUP, as an operator would) the worker connects on its own.
 */
import { afterAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createNatsConnection } from "../shared/events/nats";
import { createLogger } from "../shared/core/logger";
import { startNats, stopAll, tempDir, waitFor } from "./support/processes";

afterAll(stopAll);

const configWith = (password: string) => `authorization { users = [ { user: "inventory", password: ${JSON.stringify(password)} } ] }\n`;

describe("NATS connection loop", () => {
  it("keeps trying after an authorization error and connects once the server accepts the worker", async () => {
    const configFile = join(tempDir("nats-auth-retry"), "nats.conf");
    writeFileSync(configFile, configWith("the-old-password"));
    const nats = await startNats({ configFile });
    const connection = createNatsConnection({
      url: nats.url,
      name: "inventory",
      logger: createLogger({ worker: "inventory", level: "silent" }),
      user: "inventory",
      pass: "the-new-password",
      retryAfterMs: 200,
    });
    connection.start();
    await waitFor("two refused attempts", async () => {
      const { nats: health } = connection.health!() as { nats: { status: string; failedAttempts?: number } };
      return health.failedAttempts !== undefined && health.failedAttempts >= 2 ? true : undefined;
    });
    expect(connection.current()).toBeUndefined();
    expect(connection.status()).not.toBe("connected");

    // The operator fixes the server's users and reloads it; the worker needs no restart.
    writeFileSync(configFile, configWith("the-new-password"));
    process.kill(nats.pid, "SIGHUP");
    await waitFor("connected with the new password", async () => (connection.status() === "connected" ? true : undefined), 10_000);
    expect(connection.current()).toBeDefined();
    expect(connection.health!()).toEqual({ nats: { status: "connected" } });
    await connection.stop();
  }, 30_000);
});
