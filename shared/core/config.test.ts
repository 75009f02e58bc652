import { z } from "zod";
import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, fallbackUrlOf, natsServersOf, parseConfig, peerUrl, peerUrlVariable, workerConfigSchema } from "./config";

// The shape of a worker that calls one peer, as orders does.
const schema = workerConfigSchema(4105).extend({ [peerUrlVariable("catalog")]: peerUrl({ portOffset: 2 }) });

function configErrorOf(env: Record<string, string>): ConfigError {
  try {
    parseConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig", () => {
  it("applies every default to an empty environment", () => {
    expect(parseConfig(schema, {})).toEqual({
      DATA_DIR: "./.data",
      HOST: "127.0.0.1",
      PORT: 4105,
      NATS_URL: "nats://127.0.0.1:4222",
      STREAM_REPLICAS: 1,
      MESH_PORT_BASE: 4100,
      LOG_LEVEL: "info",
      PEER_TIMEOUT_MS: 2000,
      READ_WAIT_MS: 2000,
      SHUTDOWN_GRACE_MS: 10_000,
      SQLITE_SYNCHRONOUS: "NORMAL",
      STREAM_MAX_AGE: 30 * 86_400_000,
      STREAM_MAX_BYTES: 1024 ** 3,
      OUTBOX_SENT_RETENTION: 3_600_000,
      INBOX_RETENTION: 7 * 86_400_000,
      IDEMPOTENCY_KEY_RETENTION: 86_400_000,
      OUTPUT_VALIDATION: "on",
      BODY_LIMIT_BYTES: 256 * 1024,
      CATALOG_URL: { portOffset: 2 },
    });
  });

  it("takes a list of NATS servers in NATS_URL and names a bad one", () => {
    const parsed = parseConfig(schema, { NATS_URL: "nats://10.0.0.1:4222, nats://10.0.0.2:4222,tls://nats.example:4443,10.0.0.4:4222" });
    expect(natsServersOf(String(parsed.NATS_URL))).toEqual(["nats://10.0.0.1:4222", "nats://10.0.0.2:4222", "tls://nats.example:4443", "10.0.0.4:4222"]);
    for (const bad of ["http://10.0.0.1:4222", "nats://a b:4222", ",", "nats://10.0.0.1:4222,,nats://x:1/y"]) {
      expect(() => parseConfig(schema, { NATS_URL: bad }), bad).toThrow(/NATS_URL: must be a NATS server URL or a comma-separated list/);
    }
    expect(() => parseConfig(schema, { STREAM_REPLICAS: "0" })).toThrow(/STREAM_REPLICAS/);
  });

  it("takes READ_WAIT_MS from 0 (never wait) to a minute, and names a bad one", () => {
    expect(parseConfig(schema, { READ_WAIT_MS: "0" }).READ_WAIT_MS).toBe(0);
    for (const bad of ["soon", "-1", "60001", "1.5"])
      expect(() => parseConfig(schema, { READ_WAIT_MS: bad }), bad).toThrow(new RegExp(`READ_WAIT_MS: .*\\(got "${bad.replace(".", "\\.")}"\\)`));
  });

  it("never echoes the value of a secret variable in its error", () => {
    const secretSchema = schema.extend({ MESH_TOKEN_SECRET: z.string().min(64), ADMIN_API_KEY: z.string().min(64) });
    const error = (() => {
      try {
        parseConfig(secretSchema, { MESH_TOKEN_SECRET: "short-but-secret-value", ADMIN_API_KEY: "another-secret", PORT: "x" });
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error?.message).toMatch(/MESH_TOKEN_SECRET: /);
    expect(error?.message).toMatch(/PORT: .*\(got "x"\)/);
    expect(error?.message).not.toContain("short-but-secret-value");
    expect(error?.message).not.toContain("another-secret");
  });

  it("names a short mesh secret and unreadable or short secret files with the other bad variables, never their content", () => {
    const dir = mkdtempSync(join(tmpdir(), "bunmesh-config-"));
    const shortFile = join(dir, "short");
    writeFileSync(shortFile, "tiny-secret-content");
    const error = configErrorOf({ PORT: "abc", MESH_TOKEN_SECRET: "short-secret", NATS_PASSWORD_FILE: join(dir, "missing") });
    expect(error.problems.map((problem) => problem.split(":")[0]).sort()).toEqual(["MESH_TOKEN_SECRET", "NATS_PASSWORD_FILE", "PORT"]);
    expect(error.message).toMatch(/MESH_TOKEN_SECRET: must be at least 32 bytes/);
    expect(error.message).toMatch(/NATS_PASSWORD_FILE: cannot read .*missing \(ENOENT\)/);
    expect(error.message).not.toContain("short-secret");

    const fromFile = configErrorOf({ MESH_TOKEN_SECRET_FILE: shortFile });
    expect(fromFile.problems).toEqual([`MESH_TOKEN_SECRET_FILE: the secret in ${shortFile} must be at least 32 bytes`]);
    expect(fromFile.message).not.toContain("tiny-secret-content");

    writeFileSync(shortFile, "a-secret-that-is-long-enough-for-the-mesh\n");
    expect(parseConfig(schema, { MESH_TOKEN_SECRET_FILE: shortFile }).MESH_TOKEN_SECRET_FILE).toBe(shortFile);
  });

  it("reads numbers from their string form and keeps the values it is given", () => {
    const config = parseConfig(schema, { PORT: "5000", LOG_LEVEL: "debug", CATALOG_URL: "https://catalog.internal:8443", PEER_TIMEOUT_MS: "750" });
    expect(config).toMatchObject({ PORT: 5000, LOG_LEVEL: "debug", CATALOG_URL: { pinned: "https://catalog.internal:8443", portOffset: 2 }, PEER_TIMEOUT_MS: 750 });
  });

  it("names every bad variable, with the value it got, in one message", () => {
    const error = configErrorOf({ PORT: "eighty", LOG_LEVEL: "loud", CATALOG_URL: "ftp://catalog", HOST: "0.0.0.0" });
    expect(error.problems).toHaveLength(3);
    expect(error.problems.map((problem) => problem.split(":")[0]).sort()).toEqual(["CATALOG_URL", "LOG_LEVEL", "PORT"]);
    expect(error.message).toContain("PORT: ");
    expect(error.message).toContain('(got "eighty")');
    expect(error.message).toContain('(got "loud")');
    expect(error.message).toContain('(got "ftp://catalog")');
    expect(error.message).not.toContain("HOST");
    expect(error.message.startsWith("invalid configuration:")).toBe(true);
  });

  it("takes OUTPUT_VALIDATION on or off, and names any other value", () => {
    expect(parseConfig(schema, { OUTPUT_VALIDATION: "off" }).OUTPUT_VALIDATION).toBe("off");
    const error = configErrorOf({ OUTPUT_VALIDATION: "false" });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^OUTPUT_VALIDATION: .*"on".*"off".* \(got "false"\)$/);
  });

  it("refuses a port out of range and a URL that is no URL", () => {
    const error = configErrorOf({ PORT: "70000", CATALOG_URL: "catalog" });
    expect(error.problems.map((problem) => problem.split(":")[0]).sort()).toEqual(["CATALOG_URL", "PORT"]);
  });
});

describe("peerUrlVariable", () => {
  it("turns a peer's name into its URL variable", () => {
    expect(peerUrlVariable("catalog")).toBe("CATALOG_URL");
    expect(peerUrlVariable("read-models")).toBe("READ_MODELS_URL");
  });
});

describe("peerUrl", () => {
  it("pins a peer where its URL says; unset, the peer is found through NATS, at its placement's default until then", () => {
    expect(peerUrl({ portOffset: 1 }).parse("http://10.1.2.3:9000")).toEqual({ pinned: "http://10.1.2.3:9000", portOffset: 1 });
    expect(peerUrl({ portOffset: 6, consumes: ["orders"] }).parse(undefined)).toEqual({ portOffset: 6 });
    expect(fallbackUrlOf({ portOffset: 1 }, 4100)).toBe("http://127.0.0.1:4101");
    expect(fallbackUrlOf({ portOffset: 6 }, 31_000)).toBe("http://127.0.0.1:31006");
  });
});
