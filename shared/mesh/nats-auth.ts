/**
 * NATS users for a nats-server the launcher starts: one user per worker, each allowed to publish
 * only its own subjects (`<worker>.>`), to use the JetStream API of its own stream and, of the
 * streams it consumes (`placement.consumes` in its config.ts), only its own durable consumers, to
 * dead-letter only under `dlq.<its durable>.>`, and to subscribe only its own inbox prefix
 * (`_INBOX_<worker>.>`: no worker reads another's pull deliveries or request replies); plus an
 * `operator` user for the mesh CLI (dlq list/replay). Passwords are generated into
 * DATA_DIR/secrets/nats (0600); the server's config (0600 too) holds only their bcrypt hashes
 * (nats-server 2.9 `authorization { users = [...] }` takes `$2b$` hashes), so it never warns of
 * plaintext passwords.
 *
 * @example
 *   const auth = await writeNatsAuthorization(dataDir, [{ name: "orders", consumes: [] }, { name: "reporting", consumes: ["orders"] }]);
 *   spawn("nats-server", ["-c", auth.configFile, "-js", ...]); // workers get auth.credentials.get(name)
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readSecretFile } from "../core/secrets";
import { streamOf } from "../events/envelope";
import { deadLetterStream } from "../events/dlq";
import { ensureSecretFile, natsPasswordFileOf } from "./secrets";

/**
 * A stream a worker reads: its owner and the worker's durable consumer on it. A bare owner name
 * means the durable `<worker>-<owner>` (reporting's `reporting-orders`).
 */
export type ConsumedStream = string | { owner: string; durable: string };

export interface NatsWorker {
  name: string;
  /** Streams this worker consumes (e.g. reporting: ["orders"]; catalog: [{ owner: "inventory", durable: "catalog-stock" }]). */
  consumes: readonly ConsumedStream[];
}

export interface NatsPermissions {
  publish: string[];
  subscribe: string[];
  /** May answer the requests it receives (nats-server `allow_responses`: one reply to each request's reply subject). */
  allowResponses?: boolean;
}

/** bcrypt cost of the hashes in the config: what `nats server passwd` makes. */
export const natsPasswordHashCost = 11;

const api = (rest: string) => `$JS.API.${rest}`;

/**
 * The inbox prefix of a worker's NATS connection (nats.js `inboxPrefix`). shared/events/nats.ts
 * sets the same `_INBOX_<user>` on every connection that logs in with a user.
 */
export function inboxPrefixOf(user: string): string {
  return `_INBOX_${user}`;
}

/** Owner and durable of each stream a worker consumes, the shorthand resolved. */
export function consumedStreamsOf(worker: NatsWorker): { owner: string; durable: string }[] {
  return worker.consumes.map((entry) => (typeof entry === "string" ? { owner: entry, durable: `${worker.name}-${entry}` } : entry));
}

/** The JetStream API of one durable consumer on `stream`: create, update, read, fetch, ack and delete it, nothing of any other. */
function durablePermissions(stream: string, durable: string): string[] {
  return [
    api(`CONSUMER.INFO.${stream}.${durable}`),
    api(`CONSUMER.CREATE.${stream}.${durable}`),
    api(`CONSUMER.CREATE.${stream}.${durable}.>`),
    api(`CONSUMER.DURABLE.CREATE.${stream}.${durable}`),
    api(`CONSUMER.DELETE.${stream}.${durable}`),
    api(`CONSUMER.MSG.NEXT.${stream}.${durable}`),
    `$JS.ACK.${stream}.${durable}.>`,
    // Poison messages go to the dead letters under this consumer's own name (shared/events/dlq.ts).
    `dlq.${durable}.>`,
  ];
}

/** What one worker may do on the bus: its own subjects and stream, its durables on the streams it reads, its own inbox. */
export function natsPermissionsOf(worker: NatsWorker): NatsPermissions {
  const own = streamOf(worker.name).name;
  const publish = [`${worker.name}.>`, api("INFO"), ...["INFO", "CREATE", "UPDATE"].map((verb) => api(`STREAM.${verb}.${own}`))];
  const consumed = consumedStreamsOf(worker);
  for (const { owner, durable } of consumed) {
    const stream = streamOf(owner).name;
    // The consumer makes the publisher's stream when it starts first (ensureStream, shared/events/streams.ts).
    publish.push(api(`STREAM.INFO.${stream}`), api(`STREAM.CREATE.${stream}`), ...durablePermissions(stream, durable));
  }
  if (consumed.length > 0) publish.push(...["INFO", "CREATE", "UPDATE"].map((verb) => api(`STREAM.${verb}.${deadLetterStream.name}`)));
  // Finding peers (shared/rpc/service-registry.ts): it may ask any worker's service who it is, nothing
  // more, and ask all at once which workers there are (the gateway's /mesh lists every worker on the bus).
  publish.push("$SRV.PING", "$SRV.PING.*", "$SRV.INFO.*");
  // Replies to its requests and the messages its pull consumers fetch arrive on its own inboxes only;
  // it hears the service requests for everybody and for itself, answering them by allow_responses.
  return { publish: [...new Set(publish)], subscribe: [`${inboxPrefixOf(worker.name)}.>`, ...serviceSubjectsOf(worker.name)], allowResponses: true };
}

/** What the nats.js services API subscribes for a service `name`: `$SRV.<verb>`, `.<name>`, `.<name>.<id>`, and its endpoint `svc.<name>.>`. */
export function serviceSubjectsOf(name: string): string[] {
  return [...["PING", "INFO", "STATS"].flatMap((verb) => [`$SRV.${verb}`, `$SRV.${verb}.${name}`, `$SRV.${verb}.${name}.*`]), `svc.${name}.>`];
}

/** bcrypt reads at most this many bytes of a password; Bun pre-hashes longer ones, which nats-server would then refuse. */
const bcryptMaxBytes = 72;

/** A bcrypt hash nats-server 2.9 accepts (`$2b$11$...`). Bun's, so the launcher needs no dependency. */
export async function natsPasswordHash(password: string, source: string): Promise<string> {
  if (typeof Bun === "undefined") throw new Error("hashing NATS passwords needs Bun (run the launcher with bun run)");
  if (Buffer.byteLength(password) > bcryptMaxBytes) throw new Error(`the NATS password in ${source} is longer than ${bcryptMaxBytes} bytes, more than bcrypt can check`);
  return Bun.password.hash(password, { algorithm: "bcrypt", cost: natsPasswordHashCost });
}

export interface NatsAuthorization {
  configFile: string;
  /** Per worker: the user and the file holding its password (what NATS_USER / NATS_PASSWORD_FILE get). */
  credentials: Map<string, { user: string; passwordFile: string }>;
}

/**
 * Writes (or rewrites) the server config with one user per worker and an operator user, passwords
 * as bcrypt hashes; `serverBlocks` (a cluster node's listen, JetStream and cluster blocks) go first.
 */
export async function writeNatsAuthorization(dataDir: string, workers: readonly NatsWorker[], serverBlocks = ""): Promise<NatsAuthorization> {
  const users: { user: string; permissions: NatsPermissions }[] = [
    ...workers.map((worker) => ({ user: worker.name, permissions: natsPermissionsOf(worker) })),
    { user: "operator", permissions: { publish: [">"], subscribe: [">"] } },
  ];
  const credentials = new Map<string, { user: string; passwordFile: string }>();
  const entries = await Promise.all(
    users.map(async ({ user, permissions }) => {
      const passwordFile = ensureSecretFile(natsPasswordFileOf(dataDir, user)).path;
      credentials.set(user, { user, passwordFile });
      const hash = await natsPasswordHash(readSecretFile(passwordFile, `${user} NATS password`), passwordFile);
      const allow = (subjects: string[]) => `{ allow: ${JSON.stringify(subjects)} }`;
      const responses = permissions.allowResponses ? ", allow_responses: true" : "";
      return `    { user: ${JSON.stringify(user)}, password: ${JSON.stringify(hash)}, permissions: { publish: ${allow(permissions.publish)}, subscribe: ${allow(permissions.subscribe)}${responses} } }`;
    }),
  );

  const dir = join(dataDir, "secrets");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const configFile = join(dir, "nats-server.conf");
  const text = `# written by the mesh launcher: one user per worker, bcrypt-hashed passwords (shared/mesh/nats-auth.ts)\n${serverBlocks}authorization {\n  users = [\n${entries.join(",\n")}\n  ]\n}\n`;
  writeFileSync(configFile, text, { mode: 0o600 });
  chmodSync(configFile, 0o600);
  return { configFile, credentials: new Map(users.map(({ user }) => [user, credentials.get(user)!])) };
}
