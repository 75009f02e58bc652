/**
 * What the benches share within one run: the nats-server, a seeded catalog worker, a launcher
 * mesh (plain, traced or sampled, one at a time so they never compete for the two cores), and the tiny OTLP
 * sink. Each is started on first use and everything is stopped at the end of the run.
 */
import { spawn } from "node:child_process";
import { bunBin, freePort, repoRoot, startNats, startWorker, stopAll, tempDir, waitFor, type RunningNats, type RunningWorker } from "../../test/support/processes";
import type { LoadSettings } from "./autocannon";
import { startLauncherMesh, type LauncherMesh } from "./mesh";
import { startProcess, stopBenchProcesses, type BenchProcess } from "./process";
import { newMeshSecret, serviceAuthorization } from "./token";
import { seedMesh, type Fixtures } from "./seed";

export interface SeededCatalog {
  worker: RunningWorker;
  dataDir: string;
  productId: string;
}

export interface SeededMesh extends LauncherMesh, Fixtures {
  traced: boolean;
  productId: string;
  customerId: string;
}

/** plain: no span exported (TRACE_STORE=off); store: every span to the mesh's own trace store; traced/sampled: to an OTLP sink. */
export type MeshKind = "plain" | "store" | "traced" | "sampled";
/** The share of traces the "sampled" mesh exports. */
export const sampledRatio = 0.1;

/** The load settings of the run (kept in the results file) and whether it is the quick smoke run. */
export interface BenchSettings extends LoadSettings {
  quick: boolean;
}

/** Added to the mesh's environment; how many customers and products it is seeded with (default 1 and 50). */
export interface OwnMeshOptions {
  env?: Record<string, string>;
  seed?: { customers: number; products: number };
}

export interface BenchContext {
  settings: BenchSettings;
  /** The mesh secret every worker of this run gets (MESH_TOKEN_SECRET), and the admin API key. */
  secret: string;
  adminKey: string;
  /** Headers for a direct call to `worker`, as the gateway would call it. */
  directHeaders(worker: string): Promise<Record<string, string>>;
  nats(): Promise<RunningNats>;
  catalog(): Promise<SeededCatalog>;
  /** plain: no exporter; traced: every span exported over OTLP; sampled: 10% of traces exported (parent-based ratio sampler). */
  mesh(kind: MeshKind): Promise<SeededMesh>;
  stopMesh(): Promise<void>;
  /**
   * A mesh on its own nats-server (streams and durable consumers are named per worker, so two
   * meshes on one server would read each other's events), for benches that keep several up at
   * once; the caller stops it (stop() ends its nats-server too), or close() does.
   */
  ownMesh(kind: MeshKind, options?: OwnMeshOptions): Promise<SeededMesh & { nats: RunningNats }>;
  /** Spawns a Bun script of the bench and resolves with the JSON it prints last. */
  runBunScript(script: string, env: Record<string, string>, timeoutMs?: number): Promise<any>;
  close(): Promise<void>;
}

async function call(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<any> {
  const res = await fetch(url, {
    method,
    headers: { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} answered ${res.status}: ${text}`);
  return JSON.parse(text);
}

/** Products through catalog's own tRPC (the bench's catalog runs alone, without a gateway). */
async function seedCatalog(url: string, count: number, headers: Record<string, string>): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const body = await call(
      `${url}/trpc/create`,
      "POST",
      {
        sku: `BENCH-${i}`,
        name: `Bench product ${i}`,
        description: "A product of the benchmark",
        priceCents: 100 + i,
        attributes: { colour: "blue", size: i % 5 },
      },
      headers,
    );
    ids.push(body.result.data.id);
  }
  return ids;
}

/** `meshEnv` is added to every launcher mesh's environment (bench/profile.ts passes BUN_OPTIONS here). */
export function createBenchContext(settings: BenchSettings, options: { meshEnv?: Record<string, string> } = {}): BenchContext {
  let nats: Promise<RunningNats> | undefined;
  let catalog: Promise<SeededCatalog> | undefined;
  let mesh: { kind: string; mesh: Promise<SeededMesh> } | undefined;
  let sinkUrl: Promise<string> | undefined;

  const ownMeshes = new Set<() => Promise<void>>();
  const secret = newMeshSecret();
  const adminKey = newMeshSecret();
  const launchSeeded = async (kind: MeshKind, natsUrl: string, own: OwnMeshOptions = {}): Promise<SeededMesh> => {
    const env: Record<string, string> = { MESH_TOKEN_SECRET: secret, ADMIN_API_KEY: adminKey, ...options.meshEnv, ...own.env };
    if (kind === "traced" || kind === "sampled") env["OTEL_EXPORTER_OTLP_ENDPOINT"] = await (sinkUrl ??= startOtlpSink());
    // With no endpoint the launcher keeps spans in its own store by default (TRACE_STORE=auto): "plain" turns it off.
    env["TRACE_STORE"] = kind === "store" ? "on" : kind === "plain" ? "off" : "auto";
    // The standard sampler variables, read by the SDK in every worker: the gateway decides per
    // trace, every other worker follows the parent's decision, so a trace is whole or absent.
    if (kind === "sampled") Object.assign(env, { OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: String(sampledRatio) });
    const launched = await startLauncherMesh({ natsUrl, env });
    try {
      return { ...launched, traced: kind !== "plain", ...(await seedMesh(launched.gatewayUrl, adminKey, own.seed)) };
    } catch (error) {
      await launched.stop();
      throw error;
    }
  };
  const ctx: BenchContext = {
    settings,
    secret,
    adminKey,
    directHeaders: async (worker) => ({ authorization: await serviceAuthorization(secret, "gateway", worker) }),
    nats: () => (nats ??= startNats()),
    catalog: () =>
      (catalog ??= (async () => {
        const dataDir = tempDir("bench-catalog");
        // Its own nats-server: on the bench's shared one it would register as a second "catalog"
        // service, and the launcher meshes' peers (found through NATS) would call it instead of theirs.
        const ownNats = await startNats();
        const worker = await startWorker("catalog", { DATA_DIR: dataDir, NATS_URL: ownNats.url, LOG_LEVEL: "warn", MESH_TOKEN_SECRET: secret });
        const ids = await seedCatalog(worker.url, 200, { authorization: await serviceAuthorization(secret, "gateway", "catalog") });
        return { worker, dataDir, productId: ids[100]! };
      })()),
    async mesh(kind) {
      if (mesh?.kind === kind) return mesh.mesh;
      await ctx.stopMesh();
      const started = (async () => launchSeeded(kind, (await ctx.nats()).url))();
      mesh = { kind, mesh: started };
      return started;
    },
    async ownMesh(kind, own) {
      const ownNats = await startNats();
      try {
        const launched = await launchSeeded(kind, ownNats.url, own);
        const stop = async () => {
          ownMeshes.delete(stop);
          await launched.stop();
          await ownNats.kill("SIGTERM");
        };
        ownMeshes.add(stop);
        return { ...launched, nats: ownNats, stop };
      } catch (error) {
        await ownNats.kill("SIGTERM");
        throw error;
      }
    },
    async stopMesh() {
      const running = mesh;
      mesh = undefined;
      if (running) await (await running.mesh.catch(() => undefined))?.stop();
    },
    runBunScript: (script, env, timeoutMs = 300_000) => runBunScript(script, env, timeoutMs),
    async close() {
      await ctx.stopMesh();
      await Promise.all([...ownMeshes].map((stop) => stop()));
      await stopBenchProcesses();
      await stopAll();
    },
  };
  return ctx;
}

/** The OTLP sink: a Bun process answering 200 to every export (tracked, so stopAll ends it). */
async function startOtlpSink(): Promise<string> {
  const port = await freePort();
  await startWorkerLike("bench/servers/otlp-sink.ts", { PORT: String(port) }, `http://127.0.0.1:${port}/health`);
  return `http://127.0.0.1:${port}`;
}

/** Starts a Bun script of the bench as a tracked process and waits for its health URL. */
export async function startWorkerLike(script: string, env: Record<string, string>, healthUrl: string): Promise<BenchProcess> {
  const proc = startProcess(bunBin, ["run", script], env);
  await Promise.race([
    waitFor(script, async () => ((await fetch(healthUrl)).ok ? true : undefined)),
    proc.exited.then((code) => {
      throw new Error(`${script} exited ${code}: ${proc.output()}`);
    }),
  ]);
  return proc;
}

function runBunScript(script: string, env: Record<string, string>, timeoutMs: number): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = spawn(bunBin, ["run", script], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (err = (err + chunk).slice(-4000)));
    child.on("exit", (code) => {
      clearTimeout(timer);
      const line = out.trim().split("\n").at(-1) ?? "";
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`${script} exited ${code} without a JSON result: ${err || out.slice(-2000)}`));
      }
    });
  });
}
