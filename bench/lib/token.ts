/**
 * Service tokens for the bench's direct calls to workers. The bench gives every worker it starts
 * one mesh secret (MESH_TOKEN_SECRET), so calls are checked as in a real mesh, and signs its own
 * tokens the way shared/rpc/identity.ts does (HS256, iss = caller, aud = callee). Where identity
 * checks are off the header is simply ignored.
 */
import { randomBytes } from "node:crypto";
import { SignJWT } from "jose";

export function newMeshSecret(): string {
  return randomBytes(32).toString("hex");
}

/** `Authorization` header calling `audience` as `caller`; long-lived, so it outlasts a bench run. */
export async function serviceAuthorization(secret: string, caller: string, audience: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(caller)
    .setAudience(audience)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(new TextEncoder().encode(secret));
  return `Bearer ${token}`;
}
