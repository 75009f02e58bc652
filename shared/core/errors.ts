/**
 * The one closed set of domain error codes, mapped once to tRPC codes and HTTP statuses.
 * Workers throw `DomainError`; only the edge (gateway) turns errors into HTTP answers.
 *
 * @example throw new DomainError("NOT_FOUND", `user ${id} not found`);
 */
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server";

export const domainErrorCodes = {
  BAD_INPUT: { trpc: "BAD_REQUEST", http: 400 },
  NOT_FOUND: { trpc: "NOT_FOUND", http: 404 },
  CONFLICT: { trpc: "CONFLICT", http: 409 },
  OUT_OF_STOCK: { trpc: "CONFLICT", http: 409 },
  PAYMENT_DECLINED: { trpc: "CONFLICT", http: 409 },
  UNAUTHENTICATED: { trpc: "UNAUTHORIZED", http: 401 },
  FORBIDDEN: { trpc: "FORBIDDEN", http: 403 },
  PAYLOAD_TOO_LARGE: { trpc: "PAYLOAD_TOO_LARGE", http: 413 },
  UNSUPPORTED_MEDIA_TYPE: { trpc: "UNSUPPORTED_MEDIA_TYPE", http: 415 },
  PEER_UNAVAILABLE: { trpc: "SERVICE_UNAVAILABLE", http: 503 },
  /** A read with a consistency token whose events its read model has not applied in time (details: lagMs, retryAfterS). */
  READ_MODEL_BEHIND: { trpc: "SERVICE_UNAVAILABLE", http: 503 },
  INTERNAL: { trpc: "INTERNAL_SERVER_ERROR", http: 500 },
} as const satisfies Record<string, { trpc: TRPC_ERROR_CODE_KEY; http: number }>;

export type DomainErrorCode = keyof typeof domainErrorCodes;

export function isDomainErrorCode(value: unknown): value is DomainErrorCode {
  return typeof value === "string" && value in domainErrorCodes;
}

export class DomainError extends Error {
  override readonly name = "DomainError";
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Maps a tRPC error code (as seen by a client) back to the closest domain code. */
export function domainCodeFromTrpc(code: string | undefined): DomainErrorCode {
  switch (code) {
    case "BAD_REQUEST":
    case "PARSE_ERROR":
      return "BAD_INPUT";
    case "NOT_FOUND":
      return "NOT_FOUND";
    case "CONFLICT":
      return "CONFLICT";
    case "UNAUTHORIZED":
      return "UNAUTHENTICATED";
    case "FORBIDDEN":
      return "FORBIDDEN";
    case "PAYLOAD_TOO_LARGE":
      return "PAYLOAD_TOO_LARGE";
    case "UNSUPPORTED_MEDIA_TYPE":
      return "UNSUPPORTED_MEDIA_TYPE";
    case "SERVICE_UNAVAILABLE":
    case "TIMEOUT":
      return "PEER_UNAVAILABLE";
    default:
      return "INTERNAL";
  }
}
