/**
 * The mesh's secrets on one machine: the service-token secret, the gateway's admin API key and
 * the NATS passwords, each in its own file under `DATA_DIR/secrets/` (dir 0700, files 0600),
 * generated on first start when the operator gave none. Workers get file paths
 * (`MESH_TOKEN_SECRET_FILE`, `ADMIN_API_KEY_FILE`, `NATS_PASSWORD_FILE`), never the values, so
 * no secret shows up in a process listing or in the launcher's output.
 *
 * @example
 *   const secrets = prepareMeshSecrets(settings.dataDir, process.env); // env for every worker
 *   const cli = operatorIdentity(settings.dataDir, process.env);       // tokens for `mesh check`
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { isSecretVariable, parseConfig, secretFile } from "../core/config";
import { createServiceIdentity, type ServiceIdentity } from "../rpc/identity";
import { meshSecretFileName, minimumSecretLength, readMeshSecret, readSecretFile } from "../core/secrets";

export const secretsDirOf = (dataDir: string) => join(dataDir, "secrets");
export const meshSecretFileOf = (dataDir: string) => join(secretsDirOf(dataDir), meshSecretFileName);
export const adminKeyFileOf = (dataDir: string) => join(secretsDirOf(dataDir), "admin-api-key");
export const natsPasswordFileOf = (dataDir: string, user: string) => join(secretsDirOf(dataDir), "nats", `${user}.password`);

/** A fresh random secret (32 bytes, base64url: 43 characters). */
export function newSecret(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * The file at `path`, created with a fresh secret (mode 0600, its folder 0700) when missing.
 * An existing file is kept (a restarted mesh keeps its keys) and narrowed to 0600.
 */
export function ensureSecretFile(path: string): { path: string; created: boolean } {
  const dir = join(path, "..");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  if (existsSync(path)) {
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    return { path, created: false };
  }
  writeFileSync(path, `${newSecret()}\n`, { mode: 0o600, flag: "wx" });
  return { path, created: true };
}

/** Variables only the gateway reads (the admin key, or the file holding it): no other process gets them. */
export const gatewayOnlyVariables = ["ADMIN_API_KEY", "ADMIN_API_KEY_FILE"] as const;

/** `env` without the named variables (a copy). */
export function envWithout(env: Record<string, string | undefined>, names: readonly string[]): Record<string, string | undefined> {
  const copy = { ...env };
  for (const name of names) delete copy[name];
  return copy;
}

/** `env` for a program that reads none of the mesh's secrets (nats-server, jaeger): every secret-like variable dropped. */
export function envWithoutSecrets(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return envWithout(env, Object.keys(env).filter(isSecretVariable));
}

const unsetWhenEmpty = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

/** The secrets the operator may give the launcher, checked before anything starts: a secret file must be readable (and the mesh secret long enough). */
const givenSecretsSchema = z.object({
  MESH_TOKEN_SECRET: unsetWhenEmpty(z.string().refine((secret) => Buffer.byteLength(secret) >= minimumSecretLength, `must be at least ${minimumSecretLength} bytes`)),
  MESH_TOKEN_SECRET_FILE: unsetWhenEmpty(secretFile("MESH_TOKEN_SECRET_FILE", { minimumBytes: minimumSecretLength })),
  ADMIN_API_KEY_FILE: unsetWhenEmpty(secretFile("ADMIN_API_KEY_FILE")),
  NATS_PASSWORD_FILE: unsetWhenEmpty(secretFile("NATS_PASSWORD_FILE")),
});

/** Throws a ConfigError naming each given secret variable that cannot be used (by path, never content). */
export function checkGivenSecrets(env: Record<string, string | undefined>): void {
  parseConfig(givenSecretsSchema, env);
}

export interface MeshSecrets {
  /** Added to every worker's environment. */
  workerEnv: Record<string, string>;
  /** Added to the gateway's environment only: the admin key, the operator's or the generated file's path. */
  gatewayEnv: Record<string, string>;
  /** Lines for the operator: where each generated secret is (paths only, never values). */
  notes: string[];
}

/**
 * What the launcher hands its workers: the operator's own `MESH_TOKEN_SECRET(_FILE)` (through the
 * environment, to every worker) and `ADMIN_API_KEY(_FILE)` (to the gateway alone) when set,
 * otherwise files generated under DATA_DIR/secrets.
 */
export function prepareMeshSecrets(dataDir: string, env: Record<string, string | undefined>): MeshSecrets {
  const workerEnv: Record<string, string> = {};
  const gatewayEnv: Record<string, string> = {};
  const notes: string[] = [];
  if (!env["MESH_TOKEN_SECRET"] && !env["MESH_TOKEN_SECRET_FILE"]) {
    const secret = ensureSecretFile(meshSecretFileOf(dataDir));
    workerEnv["MESH_TOKEN_SECRET_FILE"] = secret.path;
    notes.push(`service-token secret ${secret.created ? "generated in" : "read from"} ${secret.path}`);
  }
  const given = gatewayOnlyVariables.filter((name) => env[name]);
  for (const name of given) gatewayEnv[name] = env[name]!;
  if (given.length === 0) {
    const key = ensureSecretFile(adminKeyFileOf(dataDir));
    gatewayEnv["ADMIN_API_KEY_FILE"] = key.path;
    notes.push(`admin API key ${key.created ? "generated in" : "read from"} ${key.path} (send it as Authorization: Bearer <key>)`);
  }
  return { workerEnv, gatewayEnv, notes };
}

/**
 * The identity the mesh CLI speaks as (`mesh-cli`): the secret from MESH_TOKEN_SECRET(_FILE), or
 * the one the launcher generated under DATA_DIR. Null when there is none (a mesh without checks).
 */
export function operatorIdentity(dataDir: string, env: Record<string, string | undefined>): ServiceIdentity | null {
  const file = env["MESH_TOKEN_SECRET_FILE"] || (existsSync(meshSecretFileOf(dataDir)) ? meshSecretFileOf(dataDir) : undefined);
  const secret = readMeshSecret({ MESH_TOKEN_SECRET: env["MESH_TOKEN_SECRET"], MESH_TOKEN_SECRET_FILE: file });
  return secret ? createServiceIdentity({ self: "mesh-cli", secret }) : null;
}

/** Headers for a CLI call to `worker`: its caller name and, when the mesh has a secret, a token. */
export async function operatorHeaders(identity: ServiceIdentity | null, worker: string): Promise<Record<string, string>> {
  const headers: Record<string, string> = { "x-mesh-caller": "mesh-cli" };
  if (identity) headers["authorization"] = `Bearer ${await identity.tokenFor(worker)}`;
  return headers;
}

/** The NATS user and password of the operator tools (dlq), when the launcher made NATS users. */
export function operatorNatsAuth(dataDir: string): { user?: string; pass?: string } {
  const file = natsPasswordFileOf(dataDir, "operator");
  return existsSync(file) ? { user: "operator", pass: readSecretFile(file, "operator NATS password") } : {};
}
