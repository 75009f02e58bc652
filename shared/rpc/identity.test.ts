import { describe, expect, it } from "vitest";
import { decodeJwt } from "jose";
import { bearerTokenOf, createAdminKeyCheck, createServiceIdentity, IdentityError } from "./identity";
import { readMeshSecret } from "../core/secrets";

const secret = "unit-test-mesh-secret-0123456789abcdef";

describe("service identity tokens", () => {
  it("signs issuer = caller, audience = callee, a 60 s expiry, and verifies at the callee", async () => {
    const orders = createServiceIdentity({ self: "orders", secret });
    const token = await orders.tokenFor("inventory");
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: "orders", aud: "inventory" });
    expect(claims.exp! - claims.iat!).toBe(60);
    expect(await createServiceIdentity({ self: "inventory", secret }).verify(token)).toEqual({ caller: "orders" });
    expect(await orders.headersFor("inventory")()).toEqual({ authorization: `Bearer ${token}` });
  });

  it("reuses a token until a quarter of its life is left, then signs a new one", async () => {
    let now = new Date("2026-01-01T00:00:00Z");
    const orders = createServiceIdentity({ self: "orders", secret, now: () => now });
    const first = await orders.tokenFor("payments");
    now = new Date("2026-01-01T00:00:40Z");
    expect(await orders.tokenFor("payments")).toBe(first);
    now = new Date("2026-01-01T00:00:46Z");
    expect(await orders.tokenFor("payments")).not.toBe(first);
  });

  it("names why a token is refused, never quoting it", async () => {
    const inventory = createServiceIdentity({ self: "inventory", secret });
    const reasonOf = (token: string | null) =>
      inventory.verify(token).then(
        () => "accepted",
        (error: IdentityError) => error.reason,
      );
    expect(await reasonOf(null)).toBe("missing");
    expect(await reasonOf("junk")).toBe("malformed");
    expect(await reasonOf(await createServiceIdentity({ self: "orders", secret: `${secret}-other` }).tokenFor("inventory"))).toBe("bad_signature");
    expect(await reasonOf(await createServiceIdentity({ self: "orders", secret }).tokenFor("payments"))).toBe("wrong_audience");
    const old = createServiceIdentity({ self: "orders", secret, now: () => new Date(Date.now() - 120_000) });
    const expired = await old.tokenFor("inventory");
    expect(await reasonOf(expired)).toBe("expired");
    const error = await inventory.verify(expired).catch((e: Error) => e);
    expect((error as Error).message).not.toContain(expired);
  });

  it("accepts a verified token again from memory only until its expiry (plus tolerance)", async () => {
    let now = new Date("2026-01-01T00:00:00Z");
    const orders = createServiceIdentity({ self: "orders", secret, now: () => now });
    const inventory = createServiceIdentity({ self: "inventory", secret, now: () => now });
    const token = await orders.tokenFor("inventory");
    expect(await inventory.verify(token)).toEqual({ caller: "orders" });
    now = new Date("2026-01-01T00:01:04Z");
    expect(await inventory.verify(token)).toEqual({ caller: "orders" });
    now = new Date("2026-01-01T00:01:05Z");
    expect(await inventory.verify(token).catch((e: IdentityError) => e.reason)).toBe("expired");
    // A remembered token is still only good for its own audience and signature.
    now = new Date("2026-01-01T00:00:10Z");
    const forPayments = await orders.tokenFor("payments");
    expect(await inventory.verify(forPayments).catch((e: IdentityError) => e.reason)).toBe("wrong_audience");
    const tampered = `${token.slice(0, -2)}${token.endsWith("AA") ? "BB" : "AA"}`;
    expect(await inventory.verify(tampered).catch((e: IdentityError) => e.reason)).toBe("bad_signature");
  });

  it("refuses short secrets and treats an empty variable as unset", () => {
    expect(() => createServiceIdentity({ self: "x", secret: "short" })).toThrow(/at least 32 bytes/);
    expect(readMeshSecret({ MESH_TOKEN_SECRET: "" })).toBeNull();
    expect(() => readMeshSecret({ MESH_TOKEN_SECRET: "short" })).toThrow(/at least 32 bytes/);
    expect(() => readMeshSecret({ MESH_TOKEN_SECRET_FILE: "/nonexistent/secret" })).toThrow(/MESH_TOKEN_SECRET_FILE: cannot read \/nonexistent\/secret \(ENOENT\)/);
  });
});

describe("admin API key check", () => {
  it("accepts only `Bearer <key>` exactly; with no key configured nothing passes", () => {
    const isAdmin = createAdminKeyCheck("the-admin-key");
    expect(isAdmin("Bearer the-admin-key")).toBe(true);
    for (const header of [undefined, "", "the-admin-key", "Basic the-admin-key", "Bearer the-admin-ke", "Bearer the-admin-keyy"]) expect(isAdmin(header)).toBe(false);
    expect(createAdminKeyCheck(null)("Bearer ")).toBe(false);
    expect(createAdminKeyCheck("")("Bearer ")).toBe(false);
    expect(bearerTokenOf("bearer abc")).toBe("abc");
  });
});
