/**
 * The mesh a soak runs against: its own nats-server (JetStream, own store) and one launcher
 * (`shared/mesh/cli.ts up`) on its own data dir and ports, with the soak's retentions in its env,
 * seeded through the gateway with customers and products.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { freePortBase, startLauncher, startNats, tempDir, waitFor, type RunningNats, type RunningProcess } from "../test/support/processes";

export interface SoakMesh {
  dataDir: string;
  gatewayUrl: string;
  adminKey: string;
  nats: RunningNats;
  workers: { name: string; pid: number }[];
  stop(): Promise<void>;
}

export async function startSoakMesh(env: Record<string, string>): Promise<SoakMesh> {
  const nats = await startNats();
  const dataDir = tempDir("soak");
  const base = await freePortBase();
  const adminKey = randomBytes(24).toString("hex");
  const launcher: RunningProcess = startLauncher([], {
    NO_COLOR: "1",
    DATA_DIR: dataDir,
    NATS_URL: nats.url,
    MESH_PORT_BASE: String(base),
    GATEWAY_PORT: String(base + 9),
    MESH_TOKEN_SECRET: randomBytes(32).toString("hex"),
    ADMIN_API_KEY: adminKey,
    TRACE_STORE: "off",
    ...env,
  });
  const stop = async () => {
    await launcher.kill("SIGTERM");
    await nats.kill("SIGTERM");
  };
  try {
    await waitFor("mesh ready", async () => (launcher.output().includes("mesh ready") ? true : undefined), 120_000);
  } catch (error) {
    await stop();
    throw new Error(`${String(error)}\n${launcher.output().slice(-4000)}`);
  }
  const state = JSON.parse(readFileSync(join(dataDir, "mesh.json"), "utf8")) as { workers: { name: string; pid: number }[] };
  return { dataDir, gatewayUrl: `http://127.0.0.1:${base + 9}`, adminKey, nats, workers: state.workers, stop };
}
