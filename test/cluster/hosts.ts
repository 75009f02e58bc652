/**
 * Test hosts made of Linux network namespaces: one bridge `bm-br0` in the root namespace holding
 * 10.213.77.1/24 (so the driver reaches every host), and per host a namespace `bm-hN` joined to
 * the bridge by a veth pair (`bm-hN-r` on the bridge, `eth0` inside, 10.213.77.1N/24), loopback
 * up. Nothing else is touched: no routes beyond the bridge's own /24, no forwarding, no NAT, so a
 * process in a namespace reaches only the other hosts, the driver and its own loopback.
 *
 * Everything is named with the `bm-` prefix; `createHosts` first removes whatever a run that died
 * left behind, and `destroy()` (afterAll, SIGINT, SIGTERM) removes it again. Needs root (CAP_NET_ADMIN,
 * CAP_SYS_ADMIN): without it `createHosts` throws saying so, and the suite fails.
 *
 * @example
 *   const hosts = await createHosts(3);
 *   const server = hosts[0].spawn("nats-server", ["-p", "14222"]);   // runs inside bm-h1
 *   await hosts[1].cut(); await hosts[1].restore();                  // its link down, then up
 *   await hosts[2].killAll();                                        // SIGKILL every process started there
 *   await destroyHosts();
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const prefix = "bm-";
const bridge = `${prefix}br0`;
const subnet = "10.213.77";
const bridgeAddress = `${subnet}.1`;

export interface HostProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  output(): string;
  exited: Promise<number | null>;
  alive(): boolean;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface TestHost {
  /** "h1", "h2", … */
  name: string;
  namespace: string;
  address: string;
  /** This host's own disk: its nats store, its DATA_DIR. */
  dir: string;
  /** Starts `command` inside the namespace (`ip netns exec`), tracked until it exits. */
  spawn(command: string, args: string[], options?: { name?: string; env?: Record<string, string | undefined>; cwd?: string }): HostProcess;
  processes(): HostProcess[];
  /** SIGKILLs every process in the host's namespace and waits until those started here are gone. */
  killAll(): Promise<void>;
  /** Takes the host's link down (its bridge end): it reaches nobody and nobody reaches it. */
  cut(): void;
  restore(): void;
}

function ip(...args: string[]): string {
  return execFileSync("ip", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function ipQuietly(...args: string[]): void {
  try {
    ip(...args);
  } catch {
    // already gone
  }
}

/** Removes every namespace and link with the prefix (left by this run or an earlier one that died). */
export function removeLeftovers(): void {
  const namespaces = ip("netns", "list")
    .split("\n")
    .map((line) => line.split(" ")[0]!)
    .filter((name) => name.startsWith(prefix));
  for (const namespace of namespaces) {
    killNamespaceProcesses(namespace);
    ipQuietly("netns", "del", namespace);
  }
  const links = ip("-o", "link", "show")
    .split("\n")
    .map((line) => line.split(":")[1]?.trim().split("@")[0] ?? "")
    .filter((name) => name.startsWith(prefix));
  for (const link of links) ipQuietly("link", "del", link);
}

/** Processes still inside a namespace (e.g. left by a run that was SIGKILLed) would keep it alive. */
function killNamespaceProcesses(namespace: string): void {
  let pids: string[] = [];
  try {
    pids = ip("netns", "pids", namespace).split("\n").filter(Boolean);
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
}

function checkPrivileges(): void {
  try {
    ip("netns", "add", `${prefix}probe`);
    ip("netns", "del", `${prefix}probe`);
  } catch (error) {
    throw new Error(
      `test/cluster needs root to make network namespaces (ip netns add failed: ${String((error as { stderr?: string }).stderr ?? error).trim()}). ` +
        "Run it as root (CI does: sudo npm run test:cluster); it is never skipped.",
    );
  }
}

let made: TestHost[] = [];
let baseDir: string | undefined;
let signalsHooked = false;

/** Makes `count` hosts (h1…hN), after removing leftovers of an earlier run. */
export async function createHosts(count: number): Promise<TestHost[]> {
  checkPrivileges();
  removeLeftovers();
  hookSignals();
  baseDir = mkdtempSync(join(tmpdir(), "bunmesh-cluster-"));
  ip("link", "add", bridge, "type", "bridge");
  ip("addr", "add", `${bridgeAddress}/24`, "dev", bridge);
  ip("link", "set", bridge, "up");
  made = Array.from({ length: count }, (_, index) => makeHost(index + 1, baseDir!));
  return made;
}

function makeHost(n: number, base: string): TestHost {
  const name = `h${n}`;
  const namespace = `${prefix}${name}`;
  const outside = `${prefix}${name}-r`;
  const inside = `${prefix}${name}-n`;
  const address = `${subnet}.${10 + n}`;
  ip("netns", "add", namespace);
  ip("link", "add", outside, "type", "veth", "peer", "name", inside);
  ip("link", "set", inside, "netns", namespace);
  ip("netns", "exec", namespace, "ip", "link", "set", inside, "name", "eth0");
  ip("netns", "exec", namespace, "ip", "addr", "add", `${address}/24`, "dev", "eth0");
  ip("netns", "exec", namespace, "ip", "link", "set", "lo", "up");
  ip("netns", "exec", namespace, "ip", "link", "set", "eth0", "up");
  ip("link", "set", outside, "master", bridge);
  ip("link", "set", outside, "up");
  const dir = join(base, name);
  mkdirSync(dir, { recursive: true });
  return hostOf(name, namespace, address, dir, outside);
}

function hostOf(name: string, namespace: string, address: string, dir: string, outside: string): TestHost {
  const running = new Set<HostProcess>();
  return {
    name,
    namespace,
    address,
    dir,
    spawn(command, args, options = {}) {
      const env = Object.fromEntries(Object.entries(options.env ?? process.env).filter(([, value]) => value !== undefined)) as Record<string, string>;
      const child = spawn("ip", ["netns", "exec", namespace, command, ...args], { cwd: options.cwd, env, stdio: ["ignore", "pipe", "pipe"] });
      const proc = trackProcess(options.name ?? command, child);
      running.add(proc);
      void proc.exited.then(() => running.delete(proc));
      return proc;
    },
    processes: () => [...running],
    async killAll() {
      // Whatever they started runs in the namespace too: `ip netns pids` lists every process on the host.
      killNamespaceProcesses(namespace);
      await Promise.all([...running].map((proc) => proc.kill("SIGKILL")));
    },
    cut: () => void ip("link", "set", outside, "down"),
    restore: () => void ip("link", "set", outside, "up"),
  };
}

/** `ip netns exec` execs the command in place, so the child's pid is the process's own. */
function trackProcess(name: string, child: ChildProcess): HostProcess {
  let output = "";
  const keep = (chunk: Buffer) => {
    output += chunk;
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolveExit) => child.once("exit", (code) => resolveExit(code)));
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    name,
    child,
    pid: child.pid ?? -1,
    output: () => output,
    exited,
    alive,
    async kill(signal = "SIGTERM") {
      if (alive()) child.kill(signal);
      return exited;
    },
  };
}

/** SIGKILLs every process on every host, removes the namespaces, the bridge and the hosts' disks. */
export async function destroyHosts(): Promise<void> {
  await Promise.all(made.map((host) => host.killAll()));
  made = [];
  removeLeftovers();
  if (baseDir && !process.env["CLUSTER_KEEP_DIRS"]) rmSync(baseDir, { recursive: true, force: true });
  baseDir = undefined;
}

/** A Ctrl-C (or a CI cancel) mid-run still removes the namespaces; the next start would anyway. */
function hookSignals(): void {
  if (signalsHooked) return;
  signalsHooked = true;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      for (const host of made) for (const proc of host.processes()) proc.child.kill("SIGKILL");
      removeLeftovers();
      process.exit(130);
    });
  }
}
