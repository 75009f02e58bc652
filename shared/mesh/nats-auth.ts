/**
 * NATS users for a nats-server the launcher starts: one user per worker, each allowed to publish
 * only its own subjects (`<worker>.>`) and to use only the JetStream API of its own stream and of
 * the streams it consumes (`placement.consumes` in its config.ts); plus an `operator` user for the
 * mesh CLI (dlq list/replay). Passwords are generated into DATA_DIR/secrets/nats (0600) and the
 * server's config file is written 0600 too (nats-server 2.9 `authorization { users = [...] }`).
 *
 * @example
 *   const auth = writeNatsAuthorization(dataDir, [{ name: "orders", consumes: [] }, { name: "reporting", consumes: ["orders"] }]);
 *   spawn("nats-server", ["-c", auth.configFile, "-js", ...]); // workers get auth.credentials.get(name)
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readSecretFile } from "../identity";
import { streamOf } from "../events/envelope";
import { deadLetterStream } from "../events/dlq";
import { ensureSecretFile, natsPasswordFileOf } from "./secrets";

export interface NatsWorker {
  name: string;
  /** Owners whose streams this worker consumes (e.g. reporting: ["orders"]). */
  consumes: readonly string[];
}

export interface NatsPermissions {
  publish: string[];
  subscribe: string[];
}

const api = (rest: string) => `$JS.API.${rest}`;

/** What one worker may do on the bus: its own subjects and stream, the streams it reads, replies. */
export function natsPermissionsOf(worker: NatsWorker): NatsPermissions {
  const own = streamOf(worker.name).name;
  const publish = [`${worker.name}.>`, api("INFO"), ...["INFO", "CREATE", "UPDATE"].map((verb) => api(`STREAM.${verb}.${own}`))];
  for (const owner of worker.consumes) {
    const stream = streamOf(owner).name;
    publish.push(
      // The consumer makes the publisher's stream when it starts first (ensureStream, shared/events/streams.ts).
      api(`STREAM.INFO.${stream}`),
      api(`STREAM.CREATE.${stream}`),
      api(`CONSUMER.INFO.${stream}.*`),
      api(`CONSUMER.CREATE.${stream}.*`),
      api(`CONSUMER.CREATE.${stream}.*.>`),
      api(`CONSUMER.DURABLE.CREATE.${stream}.*`),
      api(`CONSUMER.DELETE.${stream}.*`),
      api(`CONSUMER.MSG.NEXT.${stream}.*`),
      `$JS.ACK.${stream}.>`,
    );
  }
  if (worker.consumes.length > 0) {
    // Poison messages go to the dead-letter stream.
    const dlq = deadLetterStream.name;
    publish.push("dlq.>", ...["INFO", "CREATE", "UPDATE"].map((verb) => api(`STREAM.${verb}.${dlq}`)));
  }
  // Replies to its requests and the messages its pull consumers fetch arrive on inboxes only.
  return { publish, subscribe: ["_INBOX.>"] };
}

export interface NatsAuthorization {
  configFile: string;
  /** Per worker: the user and the file holding its password (what NATS_USER / NATS_PASSWORD_FILE get). */
  credentials: Map<string, { user: string; passwordFile: string }>;
}

/** Writes (or rewrites) the server config with one user per worker and an operator user. */
export function writeNatsAuthorization(dataDir: string, workers: readonly NatsWorker[]): NatsAuthorization {
  const credentials = new Map<string, { user: string; passwordFile: string }>();
  const users: string[] = [];
  const userEntry = (user: string, permissions: NatsPermissions) => {
    const passwordFile = ensureSecretFile(natsPasswordFileOf(dataDir, user)).path;
    credentials.set(user, { user, passwordFile });
    const password = readSecretFile(passwordFile, `${user} NATS password`);
    users.push(
      `    { user: ${JSON.stringify(user)}, password: ${JSON.stringify(password)}, permissions: { publish: { allow: ${JSON.stringify(permissions.publish)} }, subscribe: { allow: ${JSON.stringify(permissions.subscribe)} } } }`,
    );
  };
  for (const worker of workers) userEntry(worker.name, natsPermissionsOf(worker));
  userEntry("operator", { publish: [">"], subscribe: [">"] });

  const dir = join(dataDir, "secrets");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const configFile = join(dir, "nats-server.conf");
  writeFileSync(configFile, `# written by the mesh launcher: one user per worker (shared/mesh/nats-auth.ts)\nauthorization {\n  users = [\n${users.join(",\n")}\n  ]\n}\n`, {
    mode: 0o600,
  });
  chmodSync(configFile, 0o600);
  return { configFile, credentials };
}
