/**
 * Real processes for process-level tests: Bun worker processes started by their `main.ts`, and
 * a nats-server with JetStream on a free port with its own store. Everything started here is
 * killed by `stopAll()` (call it in afterAll).
 *
 * Security: this module puts a test mesh secret and admin API key into `process.env`, so every
 * worker, launcher and CLI a test spawns has identity checks on; `trpcQuery`/`trpcMutation` sign
 * a service token for the worker they call (see `testCallerFor`), and `adminHeaders()` carries the key.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createServiceIdentity, type ServiceIdentity } from "../../shared/rpc/identity";

export const repoRoot = resolve(import.meta.dirname, "../..");
export const bunBin = join(repoRoot, "node_modules", ".bin", "bun");

const running = new Set<ChildProcess>();

/** The mesh secret and admin key of the test suite (never a real deployment's). */
export const testMeshSecret = "test-mesh-secret-0123456789abcdef-0123456789";
export const testAdminKey = "test-admin-key-0123456789abcdef";
process.env["MESH_TOKEN_SECRET"] ??= testMeshSecret;
process.env["ADMIN_API_KEY"] ??= testAdminKey;

/** `Authorization` for the gateway's admin routes. */
export function adminHeaders(): Record<string, string> {
  return { authorization: `Bearer ${testAdminKey}` };
}

const identities = new Map<string, ServiceIdentity>();
/** A service identity of the test suite speaking as `caller` (tokens signed by the test secret). */
export function testIdentity(caller: string, secret = testMeshSecret): ServiceIdentity {
  const key = `${caller}\u0000${secret}`;
  let identity = identities.get(key);
  if (!identity) identities.set(key, (identity = createServiceIdentity({ self: caller, secret })));
  return identity;
}

/** Whom a test speaks as when calling a procedure directly: a caller that procedure allows. */
export function testCallerFor(path: string): string {
  if (["reserve", "release", "commit", "authorize", "capture", "void"].includes(path)) return "orders";
  if (["audit", "rebuild", "snapshot"].includes(path)) return "operator";
  return "gateway";
}

/** The worker behind a URL, as its /health/live says (the audience of a token to it; asked each time, ports get reused). */
async function workerNameAt(url: string): Promise<string> {
  return ((await (await fetch(`${url}/health/live`)).json()) as { worker: string }).worker;
}

/** Headers of a direct call to a worker's procedure: a service token unless the test gave one. */
async function callHeaders(url: string, path: string, headers: Record<string, string>): Promise<Record<string, string>> {
  if (Object.keys(headers).some((name) => name.toLowerCase() === "authorization")) return headers;
  const caller = headers["x-mesh-caller"] ?? testCallerFor(path);
  const token = await testIdentity(caller).tokenFor(await workerNameAt(url));
  return { "x-mesh-caller": caller, ...headers, authorization: `Bearer ${token}` };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `bunmesh-${prefix}-`));
}

/**
 * Ports for test processes. Asking the kernel for port 0 and binding later races with other
 * test files running at the same time (they may be handed the same port in between), so each
 * vitest fork hands out ports from its own block, below the kernel's ephemeral range (32768+),
 * checking each is free before use.
 */
const portBlockSize = 1_200;
const portBlockStart = 10_000 + (Number(process.env["VITEST_POOL_ID"] ?? 0) % 16) * portBlockSize;
let nextPortOffset = Math.floor(Math.random() * portBlockSize);

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolveFree(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolveFree(true)));
  });
}

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < portBlockSize; attempt++) {
    const port = portBlockStart + (nextPortOffset++ % portBlockSize);
    if (await portIsFree(port)) return port;
  }
  throw new Error(`no free port in ${portBlockStart}..${portBlockStart + portBlockSize - 1}`);
}

/**
 * A MESH_PORT_BASE whose next ten ports are free, for tests that run the launcher: above the
 * per-fork blocks of freePort() and below the kernel's ephemeral range, so no other test file
 * is handed one of them.
 */
export async function freePortBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 30_000 + Math.floor(Math.random() * 2_500);
    if ((await Promise.all(Array.from({ length: 10 }, (_, k) => portIsFree(base + 1 + k)))).every(Boolean)) return base;
  }
  throw new Error("no free block of ten ports");
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`);
}

export interface RunningProcess {
  child: ChildProcess;
  pid: number;
  output: () => string;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

function track(child: ChildProcess, tracked = true): RunningProcess {
  if (tracked) running.add(child);
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolveExit) =>
    child.on("exit", (code) => {
      running.delete(child);
      resolveExit(code);
    }),
  );
  return {
    child,
    pid: child.pid ?? -1,
    output: () => output,
    exited,
    async kill(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/**
 * `bun run shared/mesh/cli.ts up <args>` (the launcher) with LOG_LEVEL=warn and `env`, in the
 * repository or in `cwd` (a copy of it). Not killed by `stopAll()`: a test stops its launchers
 * itself (SIGTERM, or SIGKILL to see what it leaves behind).
 */
export function startLauncher(args: string[], env: Record<string, string>, options: { cwd?: string } = {}): RunningProcess {
  const child = spawn(bunBin, ["run", "shared/mesh/cli.ts", "up", ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return track(child, false);
}

export interface RunningWorker extends RunningProcess {
  name: string;
  url: string;
  port: number;
}

export interface StartWorkerOptions {
  port?: number;
  /** The address it binds and is called at (another loopback address, e.g. 127.0.0.2, stands for another host). Default 127.0.0.1. */
  host?: string;
  waitReady?: boolean;
  /** How long it may take to become ready. Default 20 s. */
  readyTimeoutMs?: number;
  /** Go to `bun run` before the entry (e.g. `["--preload", "test/support/preload-x.ts"]` for fault injection). */
  bunArgs?: string[];
  /** Another entry than `workers/<name>/main.ts` (the telemetry process: `shared/mesh/telemetry/main.ts`). */
  entry?: string;
}

/** Starts `bun run workers/<name>/main.ts` (or `options.entry`) with the given env and waits until it is ready. */
export async function startWorker(name: string, env: Record<string, string>, options: StartWorkerOptions = {}): Promise<RunningWorker> {
  const port = options.port ?? (await freePort());
  const child = spawn(bunBin, ["run", ...(options.bunArgs ?? []), options.entry ?? `workers/${name}/main.ts`], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: "warn", ...env, PORT: String(port), HOST: options.host ?? "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const proc = track(child);
  const url = `http://${options.host ?? "127.0.0.1"}:${port}`;
  const worker = { ...proc, name, url, port };
  if (options.waitReady !== false) {
    await Promise.race([
      waitFor(`${name} ready`, async () => ((await fetch(`${url}/health/ready`)).ok ? true : undefined), options.readyTimeoutMs),
      proc.exited.then((code) => {
        throw new Error(`${name} exited with ${code} before ready:\n${proc.output()}`);
      }),
    ]);
  }
  return worker;
}

/** Runs a command to completion (in the repository, or in `cwd`) and returns its exit code and output. */
export async function runToEnd(command: string, args: string[], env: Record<string, string> = {}, options: { cwd?: string } = {}): Promise<{ code: number | null; output: string }> {
  const child = spawn(command, args, { cwd: options.cwd ?? repoRoot, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const proc = track(child);
  const code = await proc.exited;
  return { code, output: proc.output() };
}

export interface RunningNats extends RunningProcess {
  url: string;
  port: number;
  storeDir: string;
  restart(): Promise<RunningNats>;
}

/** Starts `nats-server -js` on a free port with its own store (kept across restarts); `configFile` adds `-c` (users). */
export async function startNats(options: { port?: number; storeDir?: string; configFile?: string } = {}): Promise<RunningNats> {
  const port = options.port ?? (await freePort());
  const storeDir = options.storeDir ?? tempDir("nats");
  const config = options.configFile ? ["-c", options.configFile] : [];
  const child = spawn("nats-server", [...config, "-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const proc = track(child);
  await waitFor("nats-server", async () => (proc.output().includes("Server is ready") ? true : undefined), 15_000);
  const nats: RunningNats = {
    ...proc,
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    restart: async () => {
      await proc.kill("SIGTERM");
      return startNats({ port, storeDir, ...(options.configFile ? { configFile: options.configFile } : {}) });
    },
  };
  return nats;
}

export async function stopAll(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolveStop) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
          child.once("exit", () => resolveStop());
          child.kill("SIGKILL");
        }),
    ),
  );
}

export async function trpcQuery(url: string, path: string, input: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: await callHeaders(url, path, headers) });
  return { status: res.status, body: (await res.json()) as any, headers: res.headers };
}

export async function trpcMutation(url: string, path: string, input: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/trpc/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(await callHeaders(url, path, headers)) },
    body: JSON.stringify(input),
  });
  return { status: res.status, body: (await res.json()) as any, headers: res.headers };
}
