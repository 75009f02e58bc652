/**
 * A whole mesh of real Bun worker processes for cross-worker tests, wired the way the launcher
 * wires them: every worker gets every peer's `<PEER>_URL`, one DATA_DIR and one NATS_URL.
 * Workers can be stopped and started again on the same port.
 */
import { workerNamesIn } from "../../shared/mesh/discover";
import { freePort, repoRoot, startNats, startWorker, tempDir, type RunningWorker, type StartWorkerOptions } from "./processes";

/** Every worker of the repository (its folders under workers/, as the launcher finds them): one added with `mesh new` is in every mesh test. */
export const allWorkers: readonly string[] = workerNamesIn(repoRoot);
export type WorkerName = string;

export type MeshStartOptions = Pick<StartWorkerOptions, "bunArgs" | "readyTimeoutMs">;

export interface TestMesh {
  dataDir: string;
  workers: Partial<Record<WorkerName, RunningWorker>>;
  url(name: WorkerName): string;
  /** `bunArgs` go to `bun run` before the entry (a `--preload` for fault injection). */
  start(name: WorkerName, extraEnv?: Record<string, string>, options?: MeshStartOptions): Promise<RunningWorker>;
  stop(name: WorkerName, signal?: NodeJS.Signals): Promise<void>;
}

export async function startMesh(options: { natsUrl: string; workers?: readonly WorkerName[]; env?: Record<string, string>; dataDir?: string }): Promise<TestMesh> {
  const names = options.workers ?? allWorkers;
  const dataDir = options.dataDir ?? tempDir("mesh");
  const ports: Record<WorkerName, number> = {};
  for (const name of allWorkers) ports[name] = await freePort();
  const url = (name: WorkerName) => `http://127.0.0.1:${ports[name]}`;
  const peerEnv = Object.fromEntries(allWorkers.map((name) => [`${name.toUpperCase()}_URL`, url(name)]));
  const workers: TestMesh["workers"] = {};

  const start = async (name: WorkerName, extraEnv: Record<string, string> = {}, startOptions: MeshStartOptions = {}) => {
    const env = {
      DATA_DIR: dataDir,
      NATS_URL: options.natsUrl,
      ...peerEnv,
      ...(name === "gateway" ? { GATEWAY_PORT: String(ports["gateway"]) } : {}),
      ...options.env,
      ...extraEnv,
    };
    const worker = await startWorker(name, env, { port: ports[name], ...startOptions });
    workers[name] = worker;
    return worker;
  };

  // Peers first, then the workers that call them.
  const callers: WorkerName[] = ["orders", "gateway"];
  await Promise.all(names.filter((name) => !callers.includes(name)).map((name) => start(name)));
  for (const name of callers) if (names.includes(name)) await start(name);

  return {
    dataDir,
    workers,
    url,
    start,
    async stop(name, signal = "SIGTERM") {
      await workers[name]?.kill(signal);
      delete workers[name];
    },
  };
}

/**
 * A nats-server and the whole mesh for a shop-level test, with generous call deadlines: the mesh
 * and the test share two cores. Stopped by the file's `afterAll(stopAll)`.
 */
export async function startShopMesh(): Promise<TestMesh> {
  const nats = await startNats();
  return startMesh({ natsUrl: nats.url, env: { PEER_TIMEOUT_MS: "15000", ORDER_PLACE_TIMEOUT_MS: "30000" } });
}
