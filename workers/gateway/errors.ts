/**
 * The one place where errors become HTTP answers: `{ error: { code, message, details? } }` with
 * the status of the domain code (400 bad input, 404 unknown id, 409 conflict, 503 a peer needed
 * for the answer is down, or a read model has not applied a consistency token's events in time,
 * with `retry-after`). Peer failures arrive here already as DomainErrors (see `fromPeer`).
 */
import { ZodError } from "zod";
import { TRPCError } from "@trpc/server";
import { DomainError, domainErrorCodes, type DomainErrorCode } from "../../shared/core/errors";
import { peerErrorOf } from "../../shared/rpc/peer-client";
import { describeFieldProblems, type FieldProblem } from "../../shared/rpc/trpc";
import { readModelLagHeader } from "../../shared/core/consistency-scope";

export interface ErrorBody {
  error: { code: DomainErrorCode; message: string; details?: Record<string, unknown> };
}

/** Runs a call to a peer and turns any failure into the DomainError behind it (code kept, peer named). */
export async function fromPeer<T>(peer: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw peerErrorOf(error, peer);
  }
}

/** A zod failure as BAD_INPUT naming every bad field; `prefix` places it (e.g. "query."). */
export function badInput(error: ZodError, prefix = ""): DomainError {
  const pathOf = (path: PropertyKey[]) => `${prefix}${path.map(String).join(".")}` || "(body)";
  // An unknown field is named by its own path, not by the object that holds it.
  const fields: FieldProblem[] = error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ path: pathOf([...issue.path, key]), message: "unknown field" }))
      : [{ path: pathOf(issue.path), message: issue.message }],
  );
  return new DomainError("BAD_INPUT", `invalid input: ${describeFieldProblems(fields)}`, { fields }, { cause: error });
}

export function toDomainError(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  if (error instanceof ZodError) return badInput(error);
  // From the router's caller (the REST routes): what the procedure threw (a DomainError, or the
  // ZodError of its input check) rides as the cause, and answers as if thrown here.
  if (error instanceof TRPCError && error.cause !== undefined) return toDomainError(error.cause);
  return new DomainError("INTERNAL", "internal error", undefined, { cause: error });
}

export function errorAnswer(error: unknown): { status: number; body: ErrorBody; domainError: DomainError; headers: Record<string, string> } {
  const domainError = toDomainError(error);
  const { code, message, details } = domainError;
  const body: ErrorBody = { error: details === undefined ? { code, message } : { code, message, details } };
  return { status: domainErrorCodes[code].http, body, domainError, headers: errorHeaders(domainError) };
}

/** A read model behind its reader's token says when to come again and how far behind it is. */
function errorHeaders(error: DomainError): Record<string, string> {
  if (error.code !== "READ_MODEL_BEHIND") return {};
  const { retryAfterS, lagMs } = error.details ?? {};
  return { "retry-after": String(retryAfterS ?? 1), [readModelLagHeader]: String(lagMs ?? 0) };
}
