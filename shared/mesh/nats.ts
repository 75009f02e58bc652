/**
 * The broker for the mesh: NATS at NATS_URL when something answers there; otherwise a
 * `nats-server -js` started here with its store under DATA_DIR (when the binary is installed
 * and NATS_URL is local); otherwise a loud warning, and the mesh runs with events waiting in
 * the workers' outboxes until a broker appears.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { connect } from "node:net";
import { join } from "node:path";
import type { MeshOutput } from "./output";
import type { MeshSettings } from "./settings";
import { writeNatsAuthorization, type NatsWorker } from "./nats-auth";

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

export async function ensureNats(settings: MeshSettings, output: MeshOutput, workers: readonly NatsWorker[] = []): Promise<NatsHandle> {
  const url = settings.natsUrl;
  const { host, port } = natsAddress(url);
  if (await canConnect(host, port)) {
    output.say("nats", `using NATS at ${url}`);
    return { url, mode: "external", pid: null, stop: async () => {} };
  }

  const binary = Bun.which("nats-server");
  if (binary && loopbackHosts.has(host)) {
    // One user per worker, each allowed its own subjects and the streams it reads (nats-auth.ts).
    const auth = writeNatsAuthorization(settings.dataDir, workers);
    const launched = await launchNatsServer(binary, port, join(settings.dataDir, "nats"), output, auth.configFile);
    if (launched) return { url, mode: "launched", pid: launched.pid ?? null, stop: () => stopChild(launched, 5_000), credentials: auth.credentials };
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

async function launchNatsServer(binary: string, port: number, storeDir: string, output: MeshOutput, configFile: string): Promise<ChildProcess | undefined> {
  output.say("nats", `no broker answered; starting nats-server -js on 127.0.0.1:${port} (store ${storeDir}; one user per worker, config ${configFile})`);
  // Own process group: a Ctrl-C in the terminal reaches the launcher only, which stops the
  // broker after the workers, so their outbox relays never see it vanish first.
  const child = spawn(binary, ["-c", configFile, "-js", "-a", "127.0.0.1", "-p", String(port), "-sd", storeDir], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  // The start-up banner is long; keep what an operator needs.
  const keep = (line: string) => /\[(WRN|ERR|FTL)\]|Server is ready/.test(line);
  output.pipe("nats", child.stdout, keep);
  output.pipe("nats", child.stderr, keep);
  let exited = false;
  child.once("exit", () => (exited = true));

  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && !exited) {
    if (await canConnect("127.0.0.1", port, 500)) return child;
    await Bun.sleep(100);
  }
  if (!exited) await stopChild(child, 2_000);
  output.warn("nats", `nats-server did not start on port ${port}`);
  return undefined;
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
