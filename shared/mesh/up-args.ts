/**
 * The options of `npm run mesh -- up`: which workers run on this host, and the NATS cluster node
 * the launcher starts here when asked to.
 *
 * @example
 *   parseUpArgs(["--workers", "users,catalog", "--nats-cluster", "shop", "--nats-routes", "nats-route://10.0.0.2:6222"]);
 */
import { MeshSetupError } from "./discover";

export interface NatsClusterOptions {
  /** The cluster's name (the same on every host). */
  name: string;
  /** Routes to the other nodes (`nats-route://host:6222`); this node's own route may be listed too. */
  routes: string[];
  /** Where this node listens for routes: `--nats-cluster-listen` host (default 0.0.0.0) and `--nats-cluster-port` (default 6222). */
  listenHost: string;
  port: number;
  /** Where it listens for clients (`--nats-listen HOST[:PORT]`, default 0.0.0.0 and NATS_URL's first port). */
  clientHost: string;
  clientPort?: number;
  /** JetStream's server_name, unique in the cluster (`--nats-server-name`; default from the host and ports). */
  serverName?: string;
}

export interface UpOptions {
  /** `--workers a,b`: only these run here; unset, all of them. */
  workers?: string[];
  natsCluster?: NatsClusterOptions;
}

const flags = ["--workers", "--nats-cluster", "--nats-routes", "--nats-cluster-port", "--nats-cluster-listen", "--nats-listen", "--nats-server-name"] as const;
type Flag = (typeof flags)[number];

const list = (value: string) =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);

export function parseUpArgs(args: string[]): UpOptions {
  const values = flagValues(args);
  const options: UpOptions = {};
  const workers = values.get("--workers");
  if (workers !== undefined) {
    options.workers = list(workers);
    if (options.workers.length === 0) throw new MeshSetupError("--workers needs a comma-separated list of worker names");
  }
  const name = values.get("--nats-cluster");
  const clusterOnly = flags.filter((flag) => flag.startsWith("--nats-") && flag !== "--nats-cluster" && values.has(flag));
  if (name === undefined) {
    if (clusterOnly.length > 0) throw new MeshSetupError(`${clusterOnly.join(", ")} need --nats-cluster NAME`);
    return options;
  }
  options.natsCluster = clusterOf(name, values);
  return options;
}

function clusterOf(name: string, values: Map<Flag, string>): NatsClusterOptions {
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new MeshSetupError(`--nats-cluster: the name must be letters, digits, - or _ (got ${JSON.stringify(name)})`);
  const routes = list(values.get("--nats-routes") ?? "");
  const badRoute = routes.find((route) => !/^nats-route:\/\/[^\s/]+:\d{1,5}$/.test(route));
  if (routes.length === 0 || badRoute)
    throw new MeshSetupError(`--nats-routes: a comma-separated list of nats-route://host:port${badRoute ? ` (got ${JSON.stringify(badRoute)})` : ""}`);
  const port = Number(values.get("--nats-cluster-port") ?? 6222);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new MeshSetupError(`--nats-cluster-port: must be a port number (got ${JSON.stringify(values.get("--nats-cluster-port"))})`);
  const serverName = values.get("--nats-server-name");
  if (serverName !== undefined && !/^[A-Za-z0-9_.-]+$/.test(serverName)) throw new MeshSetupError(`--nats-server-name: letters, digits, ., - or _ (got ${JSON.stringify(serverName)})`);
  const [clientHost, clientPort] = hostPortOf(values.get("--nats-listen") ?? "0.0.0.0", "--nats-listen");
  return {
    name,
    routes,
    port,
    listenHost: values.get("--nats-cluster-listen") ?? "0.0.0.0",
    clientHost,
    ...(clientPort ? { clientPort } : {}),
    ...(serverName ? { serverName } : {}),
  };
}

function hostPortOf(value: string, flag: string): [string, number | undefined] {
  const match = /^([^\s:]+)(?::(\d{1,5}))?$/.exec(value);
  if (!match) throw new MeshSetupError(`${flag}: an IPv4 address or host name, with :port if wanted (got ${JSON.stringify(value)})`);
  return [match[1]!, match[2] ? Number(match[2]) : undefined];
}

/** `--flag value` or `--flag=value` pairs; an unknown flag or one without its value is an error. */
function flagValues(args: string[]): Map<Flag, string> {
  const values = new Map<Flag, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    if (!(flags as readonly string[]).includes(flag)) throw new MeshSetupError(`up: unknown option ${arg}; the options are ${flags.join(", ")}`);
    const value = inline ?? args[++i];
    if (value === undefined || value.startsWith("--")) throw new MeshSetupError(`${flag} needs a value`);
    values.set(flag as Flag, value);
  }
  return values;
}
