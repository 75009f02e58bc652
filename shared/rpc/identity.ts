/**
 * Service identity inside the mesh: every worker-to-worker tRPC call carries a short-lived JWT
 * (HS256, issuer = calling worker, audience = called worker, expiry in seconds) signed with the
 * mesh's secret; the called worker verifies it before any internal procedure runs.
 *
 * HS256 with one per-mesh secret: the launcher generates it into DATA_DIR (mode 0600) and hands
 * every worker the file's path, so there is one thing to create, rotate and protect. The cost:
 * whoever holds the secret can mint a token for any issuer, so it guards against processes that
 * are not part of the mesh (a stray client on the network, a public caller), not against a
 * compromised worker. Per-worker EdDSA keys would close that gap; see the README.
 *
 * @example
 *   const identity = createServiceIdentity({ self: "orders", secret });
 *   createPeerClient({ self: "orders", peer: "inventory", url, headers: identity.headersFor("inventory") });
 *   await identity.verify(bearerToken); // → { caller: "orders" } or throws IdentityError
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { errors, jwtVerify, SignJWT } from "jose";
import { minimumSecretLength } from "../core/secrets";

/** Callers that are people or tools, not workers: they may use the admin procedures. */
export const operatorCallers = ["operator", "mesh-cli"] as const;

/** Verified tokens remembered per identity (one per caller and minute is the usual need). */
const verifiedCacheLimit = 1024;

export type IdentityFailure = "missing" | "malformed" | "bad_signature" | "expired" | "wrong_audience" | "invalid";

/** A token that does not prove who is calling; never carries the token itself. */
export class IdentityError extends Error {
  override readonly name = "IdentityError";
  constructor(readonly reason: IdentityFailure) {
    super(`service token ${reason === "missing" ? "missing" : `rejected (${reason.replace("_", " ")})`}`);
  }
}

export interface VerifiedCaller {
  caller: string;
}

export interface ServiceIdentity {
  /** The worker (or tool) this identity speaks for: issuer of its tokens, audience it accepts. */
  self: string;
  /** Header provider for a peer client calling `audience` (tokens cached, renewed before expiry). */
  headersFor(audience: string): () => Promise<Record<string, string>>;
  /** A token to call `audience` (for callers that build their own requests). */
  tokenFor(audience: string): Promise<string>;
  /** Checks a bearer token addressed to `self`; throws IdentityError. */
  verify(token: string | null | undefined): Promise<VerifiedCaller>;
}

export interface CreateServiceIdentityOptions {
  self: string;
  secret: Uint8Array | string;
  /** Lifetime of a token in seconds (default 60). */
  ttlSeconds?: number;
  /** Seconds of clock skew tolerated when verifying (default 5). */
  clockToleranceSeconds?: number;
  now?: () => Date;
}

export function createServiceIdentity(options: CreateServiceIdentityOptions): ServiceIdentity {
  const key = typeof options.secret === "string" ? new TextEncoder().encode(options.secret) : options.secret;
  if (key.length < minimumSecretLength) throw new Error(`the mesh token secret must be at least ${minimumSecretLength} bytes`);
  const ttl = options.ttlSeconds ?? 60;
  const now = options.now ?? (() => new Date());
  const seconds = () => Math.floor(now().getTime() / 1000);
  const cache = new Map<string, { token: string; expiresAt: number }>();
  const tolerance = options.clockToleranceSeconds ?? 5;
  // Imported once: handed raw bytes, jose imports a CryptoKey on every sign and verify.
  let cryptoKey: Promise<CryptoKey> | undefined;
  const signingKey = () => (cryptoKey ??= crypto.subtle.importKey("raw", key as Uint8Array<ArrayBuffer>, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]));
  // Tokens already verified, by their text, until their expiry: a caller reuses one token for most
  // of its life, so the HMAC runs about once per caller and minute instead of once per request.
  // Only successes are kept, bounded (oldest dropped first), so junk tokens cannot grow it.
  const verified = new Map<string, { caller: string; exp: number }>();

  const tokenFor = async (audience: string) => {
    const cached = cache.get(audience);
    // Renewed once a quarter of its life is left, so a token never expires in flight.
    if (cached && cached.expiresAt - seconds() > ttl / 4) return cached.token;
    const issuedAt = seconds();
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer(options.self)
      .setAudience(audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ttl)
      .sign(await signingKey());
    cache.set(audience, { token, expiresAt: issuedAt + ttl });
    return token;
  };

  return {
    self: options.self,
    tokenFor,
    headersFor: (audience) => async () => ({ authorization: `Bearer ${await tokenFor(audience)}` }),
    async verify(token) {
      if (!token) throw new IdentityError("missing");
      const known = verified.get(token);
      // Same expiry rule as jose's (exp <= now - tolerance is expired); past it, jose says why.
      if (known && known.exp > seconds() - tolerance) return { caller: known.caller };
      if (known) verified.delete(token);
      try {
        const { payload } = await jwtVerify(token, await signingKey(), {
          algorithms: ["HS256"],
          audience: options.self,
          requiredClaims: ["iss", "exp"],
          clockTolerance: tolerance,
          currentDate: now(),
        });
        if (typeof payload.iss !== "string" || payload.iss.length === 0) throw new IdentityError("invalid");
        // A not-before claim would make validity start later; such tokens (not ours) are not cached.
        if (payload.nbf === undefined) {
          if (verified.size >= verifiedCacheLimit) verified.delete(verified.keys().next().value!);
          verified.set(token, { caller: payload.iss, exp: payload.exp! });
        }
        return { caller: payload.iss };
      } catch (error) {
        throw error instanceof IdentityError ? error : new IdentityError(failureOf(error));
      }
    },
  };
}

function failureOf(error: unknown): IdentityFailure {
  if (error instanceof errors.JWTExpired) return "expired";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "bad_signature";
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === "aud") return "wrong_audience";
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return "malformed";
  return "invalid";
}

/** The bearer token of an `Authorization` header, or null. */
export function bearerTokenOf(header: string | null | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match ? match[1]! : null;
}

/**
 * Checks an `Authorization: Bearer <key>` header against the admin API key in constant time
 * (both sides hashed first, so neither the content nor the length leaks through timing).
 * No key configured: nothing passes.
 */
export function createAdminKeyCheck(adminKey: string | null | undefined): (authorization: string | null | undefined) => boolean {
  if (!adminKey) return () => false;
  const expected = createHash("sha256").update(adminKey).digest();
  return (authorization) => {
    const presented = bearerTokenOf(authorization);
    if (!presented) return false;
    return timingSafeEqual(createHash("sha256").update(presented).digest(), expected);
  };
}
