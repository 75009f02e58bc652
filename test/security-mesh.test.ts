/**
 * The whole mesh run by the real launcher with nothing given: it generates the service-token
 * secret, the admin API key and one NATS user per worker into DATA_DIR (0600), starts nats-server
 * with those users, and an order still goes end to end (saga, reporting and catalog consuming
 * under their permissions). Admin writes need the key, internal workers need a token, limits hold,
 * and no key, token or password appears in the logs, the trace export, or `status`/`check` output.
 */
import { afterAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { bunBin, freePort, freePortBase, repoRoot, runToEnd, stopAll, tempDir, trpcMutation, waitFor, type RunningProcess } from "./support/processes";
import { startOtlpReceiver, type OtlpReceiver } from "./support/otlp-receiver";

let launcher: ReturnType<typeof spawn> | undefined;
let receiver: OtlpReceiver | undefined;
afterAll(async () => {
  if (launcher && launcher.exitCode === null) {
    const exited = new Promise((resolve) => launcher!.once("exit", resolve));
    launcher.kill("SIGTERM");
    await exited;
  }
  await receiver?.close();
  await stopAll();
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]));
}

describe("a secured mesh from the launcher", () => {
  it("generates its secrets, runs an order end to end with NATS permissions on, and never shows a secret", async () => {
    receiver = await startOtlpReceiver();
    const dataDir = tempDir("secure-mesh");
    const gatewayPort = await freePort();
    // Nothing is given: no secret, no admin key, and no broker answering (the launcher starts one with users).
    const env: Record<string, string | undefined> = {
      ...process.env,
      MESH_TOKEN_SECRET: undefined,
      ADMIN_API_KEY: undefined,
      LOG_LEVEL: "debug",
      DATA_DIR: dataDir,
      NATS_URL: `nats://127.0.0.1:${await freePort()}`,
      MESH_PORT_BASE: String(await freePortBase()),
      GATEWAY_PORT: String(gatewayPort),
      PEER_TIMEOUT_MS: "10000",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: "50",
    };
    let output = "";
    launcher = spawn(bunBin, ["run", "shared/mesh/cli.ts", "up"], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    launcher.stdout!.on("data", (chunk) => (output += chunk));
    launcher.stderr!.on("data", (chunk) => (output += chunk));
    await waitFor("mesh ready", async () => (output.includes("mesh ready") ? true : undefined), 90_000);

    // Generated secrets: files only the owner reads; the launcher names their paths, never their values.
    const secretsDir = join(dataDir, "secrets");
    const secretFiles = filesUnder(secretsDir);
    for (const file of secretFiles) expect(statSync(file).mode & 0o777, file).toBe(0o600);
    expect(statSync(secretsDir).mode & 0o777).toBe(0o700);
    expect(output).toContain(`admin API key generated in ${join(secretsDir, "admin-api-key")}`);
    expect(output).toContain("one user per worker");
    const adminKey = readFileSync(join(secretsDir, "admin-api-key"), "utf8").trim();
    const meshSecret = readFileSync(join(secretsDir, "mesh-token.secret"), "utf8").trim();
    const natsPasswords = secretFiles.filter((file) => file.endsWith(".password")).map((file) => readFileSync(file, "utf8").trim());
    expect(natsPasswords.length).toBeGreaterThanOrEqual(7);

    const gateway = `http://127.0.0.1:${gatewayPort}`;
    const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
      const res = await fetch(`${gateway}${path}`, {
        method,
        headers: { "content-type": "application/json", ...headers },
        ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const admin = { authorization: `Bearer ${adminKey}` };

    const user = await api("POST", "/api/users", { email: "secure@example.com", name: "Secure" });
    // Catalog writes need the admin key too: without it 401, and no product is made.
    const refused = await api("POST", "/api/products", { sku: "SEC-1", name: "Locked box", priceCents: 1_500 });
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toContain("admin API key");
    const product = await api("POST", "/api/products", { sku: "SEC-1", name: "Locked box", priceCents: 1_500 }, admin);
    expect([user.status, product.status]).toEqual([201, 201]);

    // Admin writes without the key: 401 and nothing changed.
    expect((await api("PUT", `/api/inventory/${product.body.id}`, { onHand: 5 })).status).toBe(401);
    expect((await api("PUT", `/api/inventory/${product.body.id}`, { onHand: 5 }, { authorization: `Bearer ${meshSecret}` })).status).toBe(401);
    expect((await api("PUT", `/api/customers/${user.body.id}/credit`, { limitCents: 10_000 })).status).toBe(401);
    expect((await api("GET", "/api/admin/sagas")).status).toBe(401);
    expect((await api("GET", `/api/inventory/${product.body.id}`)).body).toMatchObject({ onHand: 0 });
    expect((await api("GET", `/api/customers/${user.body.id}/credit`)).body).toMatchObject({ limitCents: 0 });

    expect((await api("PUT", `/api/inventory/${product.body.id}`, { onHand: 5 }, admin)).status).toBe(200);
    expect((await api("PUT", `/api/customers/${user.body.id}/credit`, { limitCents: 10_000 }, admin)).status).toBe(200);

    // Limits: an oversized body (413) and too many items (400) are refused, and no order is written.
    const huge = await api("POST", "/api/orders", { customerId: user.body.id, items: [{ productId: product.body.id, quantity: 1 }], pad: "x".repeat(100 * 1024) });
    expect(huge.status).toBe(413);
    expect(huge.body.error.message).toMatch(/request body is larger than 65536 bytes/);
    const many = await api("POST", "/api/orders", { customerId: user.body.id, items: Array.from({ length: 101 }, () => ({ productId: product.body.id, quantity: 1 })) });
    expect(many.status).toBe(400);
    expect(many.body.error.message).toMatch(/items/);
    expect((await api("GET", `/api/customers/${user.body.id}/orders`)).body).toEqual({ items: [], nextCursor: null });

    const placed = await api("POST", "/api/orders", { customerId: user.body.id, items: [{ productId: product.body.id, quantity: 2 }] });
    expect(placed.status).toBe(201);
    expect(placed.body.status).toBe("CONFIRMED");

    // The consumers read their streams under their NATS users: reporting (orders) and catalog (inventory).
    await waitFor("reporting counts the order", async () => ((await api("GET", "/api/reports/sales")).body?.totals?.orders === 1 ? true : undefined), 30_000);
    await waitFor("catalog hears the stock", async () => ((await api("GET", `/api/products/${product.body.id}`)).body?.inStock === true ? true : undefined), 30_000);

    // An internal worker refuses a caller without a token.
    const state = JSON.parse(readFileSync(join(dataDir, "mesh.json"), "utf8")) as { workers: { name: string; url: string }[] };
    const inventoryUrl = state.workers.find((worker) => worker.name === "inventory")!.url;
    expect((await trpcMutation(inventoryUrl, "setStock", { productId: product.body.id, onHand: 999 }, { authorization: "" })).status).toBe(401);

    // The operator's CLI finds the generated secret (check) and NATS user (dlq) in DATA_DIR.
    const cliEnv = { DATA_DIR: dataDir, MESH_TOKEN_SECRET: "", ADMIN_API_KEY: "" };
    const cli = (args: string[]) => runToEnd(bunBin, ["run", "shared/mesh/cli.ts", ...args], cliEnv);
    const check = await cli(["check", "--wait", "20"]);
    expect(check.code, check.output).toBe(0);
    const dlq = await cli(["dlq", "list"]);
    expect(dlq.code, dlq.output).toBe(0);
    const status = await cli(["status"]);
    const statusJson = await cli(["status", "--json"]);
    expect(status.code, status.output).toBe(0);

    // No permission was missing anywhere in the flow, and the server found no plaintext password in its config.
    expect(output).not.toMatch(/Violation/);
    expect(output).not.toMatch(/plaintext password/i);
    expect(readFileSync(join(secretsDir, "nats-server.conf"), "utf8")).toMatch(/password: "\$2b\$11\$/);

    await receiver.waitForSpans((spans) => spans.some((span) => span.name.startsWith("saga")), 15_000).catch(() => receiver!.spans);
    const traces = JSON.stringify(receiver.spans, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
    expect(receiver.spans.length).toBeGreaterThan(0);
    const meshState = readFileSync(join(dataDir, "mesh.json"), "utf8");
    const scanned = { logs: output, traces, status: status.output, statusJson: statusJson.output, check: check.output, dlq: dlq.output, meshState };
    for (const [where, text] of Object.entries(scanned)) {
      for (const secret of [meshSecret, adminKey, ...natsPasswords]) expect(text.includes(secret), `a secret in ${where}`).toBe(false);
      expect(text, `a bearer token in ${where}`).not.toMatch(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/);
      expect(text, `an Authorization value in ${where}`).not.toMatch(/Bearer [A-Za-z0-9_-]{8,}/);
    }

    const exited = new Promise<number | null>((resolve) => launcher!.once("exit", resolve));
    launcher.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 240_000);
});
