/**
 * The broker for the mesh: NATS at NATS_URL when something answers there; otherwise a
 * `nats-server -js` started here with its store under DATA_DIR (when the binary is installed
 * and NATS_URL is local); otherwise a loud warning, and the mesh runs with events waiting in
 * the workers' outboxes until a broker appears.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync } from "node:fs";
import { connect } from "node:net";
import { hostname } from "node:os";
import { join } from "node:path";
import type { MeshOutput } from "./output";
import type { MeshSettings } from "./settings";
import { writeNatsAuthorization, type NatsWorker } from "./nats-auth";
import { envWithoutSecrets } from "./secrets";
import { isProcessAlive, readMeshState } from "./state";
import { tailLines } from "./log-tail";
import type { NatsClusterOptions } from "./up-args";

export interface NatsHandle {
  url: string;
  mode: "external" | "launched" | "absent";
  pid: number | null;
  stop(): Promise<void>;
  /** Per worker NATS user and password file, when the launcher started the server with users. */
  credentials?: Map<string, { user: string; passwordFile: string }>;
}

const loopbackHosts = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/** Host and port of the first server in a NATS_URL (which may list several, comma-separated). */
export function natsAddress(natsUrl: string): { host: string; port: number } {
  const first = natsUrl.split(",")[0]!.trim();
  const url = new URL(first.includes("://") ? first : `nats://${first}`);
  return { host: url.hostname || "127.0.0.1", port: url.port ? Number(url.port) : 4222 };
}

export function canConnect(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolveConnect) => {
    const socket = connect({ host: host.replace(/^\[|\]$/g, ""), port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolveConnect(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

export async function ensureNats(settings: MeshSettings, output: MeshOutput, workers: readonly NatsWorker[] = [], cluster?: NatsClusterOptions): Promise<NatsHandle> {
  const url = settings.natsUrl;
  const node = localNodeOf(url, cluster);
  if (await canConnect(node.probeHost, node.port)) {
    // A nats-server an earlier launcher of this mesh started, left running when that launcher
    // was SIGKILLed: it has this mesh's per-worker users, so the workers need their credentials
    // (kept in DATA_DIR/secrets, so they are the ones it was started with), and it is this
    // launcher's to stop.
    const earlier = serverLeftByEarlierLauncher(settings.dataDir, url);
    if (earlier !== null) {
      const auth = await writeNatsAuthorization(settings.dataDir, workers, cluster ? clusterServerBlocks(cluster, node, natsStoreOf(settings.dataDir)) : "");
      output.say("nats", `using the nats-server (pid ${earlier}) an earlier launcher of this mesh started at ${url}; log ${natsLogFileOf(settings.dataDir)}`);
      return { url, mode: "launched", pid: earlier, stop: () => stopPid(earlier, 5_000), credentials: auth.credentials };
    }
    output.say("nats", `using NATS at ${url}`);
    return { url, mode: "external", pid: null, stop: async () => {} };
  }

  const binary = Bun.which("nats-server");
  if (binary && (cluster || loopbackHosts.has(node.probeHost))) {
    const launched = await launchLocalNode(binary, settings, output, workers, node, cluster);
    if (launched) return { url, mode: "launched", ...launched };
  }

  const why = binary ? `nothing answers at ${url} and it is not a local address` : `nothing answers at ${url} and nats-server is not installed`;
  output.warn(
    "nats",
    [
      "!!! NO EVENT BROKER !!!",
      `${why}.`,
      "Workers serve requests, but every event waits in its worker's outbox until NATS answers at NATS_URL.",
      "Install it (Debian/Ubuntu: apt-get install nats-server) or point NATS_URL at a running server.",
    ].join("\n"),
  );
  return { url, mode: "absent", pid: null, stop: async () => {} };
}

/** The node this launcher uses or starts: NATS_URL's first server, or a cluster node's client address (`--nats-listen`). */
interface LocalNode {
  /** Where the launcher probes it (loopback for a wildcard listen address). */
  probeHost: string;
  port: number;
}

function localNodeOf(url: string, cluster: NatsClusterOptions | undefined): LocalNode {
  const first = natsAddress(url);
  if (!cluster) return { probeHost: first.host, port: first.port };
  const wildcard = cluster.clientHost === "0.0.0.0" || cluster.clientHost === "::";
  return { probeHost: wildcard ? "127.0.0.1" : cluster.clientHost, port: cluster.clientPort ?? first.port };
}

/**
 * A cluster node's own config blocks (before the users): its unique server_name, where it listens
 * for clients, JetStream's store, and the cluster with its routes to the other nodes.
 */
export function clusterServerBlocks(cluster: NatsClusterOptions, node: LocalNode, storeDir: string): string {
  const serverName = cluster.serverName ?? `${hostname()}-${cluster.clientHost === "0.0.0.0" ? "" : `${cluster.clientHost}-`}${node.port}`.replace(/[^A-Za-z0-9_.-]/g, "-");
  return [
    `server_name: ${JSON.stringify(serverName)}`,
    `listen: ${JSON.stringify(`${cluster.clientHost}:${node.port}`)}`,
    `jetstream { store_dir: ${JSON.stringify(storeDir)} }`,
    `cluster {`,
    `  name: ${JSON.stringify(cluster.name)}`,
    `  listen: ${JSON.stringify(`${cluster.listenHost}:${cluster.port}`)}`,
    `  routes: ${JSON.stringify(cluster.routes)}`,
    `}`,
    "",
  ].join("\n");
}

/** Starts nats-server here: one user per worker (nats-auth.ts); a cluster node with its blocks in the same config. */
async function launchLocalNode(
  binary: string,
  settings: MeshSettings,
  output: MeshOutput,
  workers: readonly NatsWorker[],
  node: LocalNode,
  cluster: NatsClusterOptions | undefined,
): Promise<Pick<NatsHandle, "pid" | "stop" | "credentials"> | undefined> {
  const storeDir = natsStoreOf(settings.dataDir);
  // One user per worker, each allowed its own subjects and the streams it reads (nats-auth.ts).
  const auth = await writeNatsAuthorization(settings.dataDir, workers, cluster ? clusterServerBlocks(cluster, node, storeDir) : "");
  const args = cluster ? ["-c", auth.configFile] : ["-c", auth.configFile, "-js", "-a", "127.0.0.1", "-p", String(node.port), "-sd", storeDir];
  const what = cluster ? `a node of NATS cluster ${cluster.name} (routes ${cluster.routes.join(", ")})` : `nats-server -js on 127.0.0.1:${node.port}`;
  output.say("nats", `no broker answered; starting ${what} (store ${storeDir}; one user per worker, config ${auth.configFile}; log ${natsLogFileOf(settings.dataDir)})`);
  const launched = await launchNatsServer(binary, args, node, storeDir, natsLogFileOf(settings.dataDir), output);
  if (!launched) return undefined;
  const { child, stopTailing } = launched;
  const stop = async () => {
    await stopChild(child, 5_000);
    stopTailing();
  };
  return { pid: child.pid ?? null, stop, credentials: auth.credentials };
}

const natsStoreOf = (dataDir: string) => join(dataDir, "nats");

export function natsLogFileOf(dataDir: string): string {
  return join(dataDir, "nats", "nats-server.log");
}

/** The pid of a nats-server that mesh.json says this mesh's launcher started at `url`, if it still runs. */
function serverLeftByEarlierLauncher(dataDir: string, url: string): number | null {
  let state;
  try {
    state = readMeshState(dataDir);
  } catch {
    return null;
  }
  if (!state || state.nats.mode !== "launched" || state.nats.url !== url) return null;
  if (isProcessAlive(state.launcherPid) || !isProcessAlive(state.nats.pid)) return null;
  // The pid may have been reused by another program since: it must still be a nats-server.
  const commandLine = `/proc/${state.nats.pid}/cmdline`;
  if (existsSync(commandLine) && !readFileSync(commandLine, "utf8").includes("nats-server")) return null;
  return state.nats.pid;
}

async function launchNatsServer(
  binary: string,
  args: string[],
  node: LocalNode,
  storeDir: string,
  logFile: string,
  output: MeshOutput,
): Promise<{ child: ChildProcess; stopTailing: () => void } | undefined> {
  // Its output goes to a file, not a pipe: a pipe would break when the launcher dies (SIGKILL)
  // and take the server down with SIGPIPE at its next log line, while the README promises it
  // outlives the launcher for the next `npm start` to use. The launcher tails the file instead.
  mkdirSync(storeDir, { recursive: true });
  const logFd = openSync(logFile, "a");
  const tailFrom = statSync(logFile).size;
  // Own process group: a Ctrl-C in the terminal reaches the launcher only, which stops the
  // broker after the workers, so their outbox relays never see it vanish first.
  const child = spawn(binary, args, {
    detached: true,
    // It reads none of the mesh's secrets: the admin key and the mesh secret stay out of its environment.
    env: envWithoutSecrets(process.env),
    stdio: ["ignore", logFd, logFd],
  });
  closeSync(logFd);
  // The start-up banner is long; keep what an operator needs.
  const stopTailing = tailLines(logFile, tailFrom, (line) => {
    if (/\[(WRN|ERR|FTL)\]|Server is ready/.test(line)) output.say("nats", line);
  });
  let exited = false;
  child.once("exit", () => (exited = true));

  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && !exited) {
    if (await canConnect(node.probeHost, node.port, 500)) return { child, stopTailing };
    await Bun.sleep(100);
  }
  if (!exited) await stopChild(child, 2_000);
  stopTailing();
  output.warn("nats", `nats-server did not start on port ${node.port} (see ${logFile})`);
  return undefined;
}

/** Stops a process that is not our child (no exit event): SIGTERM, then SIGKILL after `graceMs`. */
async function stopPid(pid: number, graceMs: number): Promise<void> {
  if (!isProcessAlive(pid)) return;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (isProcessAlive(pid) && Date.now() < deadline) await Bun.sleep(50);
  if (isProcessAlive(pid)) process.kill(pid, "SIGKILL");
  while (isProcessAlive(pid)) await Bun.sleep(20);
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const forced = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(forced);
      resolveStop();
    });
    child.kill("SIGTERM");
  });
}
