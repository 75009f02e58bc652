/**
 * Typed tRPC clients to peer workers, built from the peer's router type only
 * (`import type { CatalogRouter } from "../catalog/router"`). Every call has one deadline (retries
 * included); queries and mutations that carry an idempotency key are retried; each peer has a
 * circuit breaker, and once it is open calls fail at once, without a connection attempt, with a
 * `PeerUnavailableError` naming the peer.
 *
 * @example
 *   const catalog = createPeerClient<CatalogRouter>({ self: "orders", peer: "catalog", url });
 *   await catalog.client.getMany.query({ ids });
 *   await inventory.client.reserve.mutate(input, { context: { idempotencyKey: orderId } });
 *   await orders.client.place.mutate(input, { context: { timeoutMs: 10_000 } }); // a longer deadline for one call
 *   await reporting.client.customer.query(input, { context: { consistencyToken } }); // a read that waits for a write's events
 *
 * A peer's consistency token and read-model facts (its answer's headers) are taken into the
 * calling request's scope (shared/core/consistency-scope.ts), so the caller's answer carries them.
 */
import { createTRPCClient, httpLink, TRPCClientError, type TRPCClient, type TRPCLink } from "@trpc/client";
import type { AnyRouter } from "@trpc/server";
import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleWhen,
  retry,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
  wrap,
  type IPolicy,
} from "cockatiel";
import { DomainError, domainCodeFromTrpc, isDomainErrorCode } from "../core/errors";
import { callerHeader, correlationHeader, currentCorrelationId, idempotencyHeader } from "../core/request-scope";
import { consistencyTokenHeader, notePeerAnswer } from "../core/consistency-scope";
import { observeBreakerState, tracingLink } from "../../telemetry/trpc-link";

export type PeerFailureReason = "circuit_open" | "timeout" | "unreachable" | "bad_gateway";

/** A peer could not answer: down, too slow, or its breaker is open. */
export class PeerUnavailableError extends DomainError {
  constructor(
    readonly peer: string,
    readonly reason: PeerFailureReason,
    options?: { cause?: unknown },
  ) {
    super("PEER_UNAVAILABLE", `${peer} is unavailable (${reason.replace("_", " ")})`, { peer, reason }, options);
  }
}

export interface PeerClientOptions {
  /** Name of the calling worker, sent as `x-mesh-caller`. */
  self: string;
  peer: string;
  /** Base URL of the peer worker; the client calls `<url>/trpc`. */
  url: string;
  /** The peer's base URL now, asked at each attempt (shared/rpc/peer-discovery.ts); calls go to `url` without it. */
  resolveUrl?: () => string;
  /** Told of each attempt that failed in transport (unreachable, timeout, bad gateway): the peer may have moved. */
  onTransportFailure?: (reason: PeerFailureReason) => void;
  /** Deadline for a whole call, retries included (default 2000); one call may set its own with `context.timeoutMs`. */
  timeoutMs?: number;
  /** Attempts in all (first call included) for calls that may be retried. */
  maxAttempts?: number;
  /** Consecutive failures that open the breaker. */
  breakerThreshold?: number;
  /** How long the breaker stays open before letting one trial call through. */
  halfOpenAfterMs?: number;
  /** Extra headers per call (service identity tokens attach here). */
  headers?: () => Record<string, string> | Promise<Record<string, string>>;
  /** The fetch to call the peer with (tests route calls to an in-process worker here). */
  fetch?: (input: RequestInfo | URL, init?: RequestInit) => Response | Promise<Response>;
}

export interface PeerClient<TRouter extends AnyRouter> {
  peer: string;
  client: TRPCClient<TRouter>;
  breakerState(): "closed" | "open" | "half-open" | "isolated";
}

/** Marks a transport-level failure inside the policies, so only those trip the breaker. */
class PeerTransportFailure extends Error {
  constructor(
    readonly reason: PeerFailureReason,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
  }
}

const isTransportFailure = (error: Error) => error instanceof PeerTransportFailure;

/** Carries `context.timeoutMs` from the tRPC link to the guarded fetch; stripped before sending. */
const deadlineHeader = "x-bunmesh-call-deadline-ms";

export function createPeerClient<TRouter extends AnyRouter>(options: PeerClientOptions): PeerClient<TRouter> {
  const { breaker, policiesFor } = peerPolicies(options);
  const client = createTRPCClient<TRouter>({
    links: [
      // A CLIENT span per call; its trace headers ride in op.context to the headers below.
      tracingLink<TRouter>(options.peer),
      // The link is built for any router (no transformer), then typed as the peer's.
      httpLink<AnyRouter>({
        url: `${options.url.replace(/\/$/, "")}/trpc`,
        fetch: guardedFetch(options, policiesFor) as never,
        headers: async ({ op }) => peerCallHeaders(options, op.context),
      }) as TRPCLink<TRouter>,
    ],
  });
  const breakerState = () => breakerStates[breaker.state];
  observeBreakerState(options.peer, breakerState);
  return { peer: options.peer, client, breakerState };
}

type PeerPolicies = { once: IPolicy; retried: IPolicy };
type Fetch = NonNullable<PeerClientOptions["fetch"]>;

/**
 * The peer's one breaker and the policies around it. One deadline for the whole call, retries
 * included: a caller never waits longer than it. The breaker sits innermost, so it counts every
 * failed attempt and an open one stops retries at once. Policies are built per deadline (the
 * default and any a call asks for) around the one breaker of this peer, so a longer deadline for
 * one procedure shares the peer's breaker.
 */
function peerPolicies(options: PeerClientOptions) {
  const breaker = circuitBreaker(handleWhen(isTransportFailure), {
    halfOpenAfter: options.halfOpenAfterMs ?? 5_000,
    breaker: new ConsecutiveBreaker(options.breakerThreshold ?? 5),
  });
  const retryTransport = retry(handleWhen(isTransportFailure), {
    maxAttempts: Math.max(0, (options.maxAttempts ?? 3) - 1),
    backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 1_000 }),
  });
  const policiesByDeadline = new Map<number, PeerPolicies>();
  const policiesFor = (timeoutMs: number): PeerPolicies => {
    let policies = policiesByDeadline.get(timeoutMs);
    if (!policies) {
      const deadline = timeout(timeoutMs, TimeoutStrategy.Aggressive);
      policies = { once: wrap(deadline, breaker), retried: wrap(deadline, retryTransport, breaker) };
      policiesByDeadline.set(timeoutMs, policies);
    }
    return policies;
  };
  return { breaker, policiesFor };
}

/** The fetch httpLink calls: each call under its deadline, retried if it may be, through the breaker. */
function guardedFetch(options: PeerClientOptions, policiesFor: (timeoutMs: number) => PeerPolicies) {
  const baseFetch = options.fetch ?? fetch;
  const defaultTimeoutMs = options.timeoutMs ?? 2_000;
  return async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const headers = new Headers(init?.headers);
    const retriable = (init?.method ?? "GET").toUpperCase() === "GET" || headers.has(idempotencyHeader);
    // The call's own deadline rides from the link to here in a header that is not sent on.
    const ownDeadline = Number(headers.get(deadlineHeader));
    headers.delete(deadlineHeader);
    const policies = policiesFor(ownDeadline > 0 ? ownDeadline : defaultTimeoutMs);
    const request = { ...init, headers };
    const target = retargeted(options, input);
    try {
      return await (retriable ? policies.retried : policies.once).execute(async ({ signal }) => {
        try {
          return await attempt(baseFetch, target(), request, signal);
        } catch (error) {
          if (error instanceof PeerTransportFailure) options.onTransportFailure?.(error.reason);
          throw error;
        }
      });
    } catch (error) {
      throw peerUnavailableOr(error, options.peer);
    }
  };
}

/** The request's URL at each attempt: the link's, moved to where the peer is now when a resolver says. */
function retargeted(options: PeerClientOptions, input: RequestInfo | URL): () => RequestInfo | URL {
  if (!options.resolveUrl || typeof input !== "string") return () => input;
  const base = options.url.replace(/\/$/, "");
  if (!input.startsWith(base)) return () => input;
  const rest = input.slice(base.length);
  return () => `${options.resolveUrl!().replace(/\/$/, "")}${rest}`;
}

/** One attempt under the policies' `signal`; a failure of the transport becomes a `PeerTransportFailure`. */
async function attempt(baseFetch: Fetch, input: RequestInfo | URL, request: RequestInit, signal: AbortSignal): Promise<Response> {
  const callerSignal = request.signal;
  try {
    const response = await baseFetch(input, { ...request, signal: callerSignal ? AbortSignal.any([callerSignal, signal]) : signal });
    // A 5xx that is not a tRPC answer came from something in between, not the peer's logic.
    const isTrpcAnswer = response.headers.get("content-type")?.includes("application/json") ?? false;
    if (response.status >= 502 && response.status <= 504 && !isTrpcAnswer) {
      await response.body?.cancel();
      throw new PeerTransportFailure("bad_gateway");
    }
    // The body is read under the deadline too (and before the policy aborts its signal on
    // return; a read cut off is a transport failure) and handed to httpLink as a minimal
    // answer (it only calls json()), instead of being copied into a new Response.
    const text = await response.text();
    notePeerAnswer(response.headers);
    return {
      ok: response.ok,
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
      json: async () => JSON.parse(text) as unknown,
    } as unknown as Response;
  } catch (error) {
    if (error instanceof PeerTransportFailure) throw error;
    // A failure after the deadline fired is the peer being slow; a caller's own abort is nobody's failure.
    if (callerSignal?.aborted) throw error;
    throw new PeerTransportFailure(signal.aborted ? "timeout" : "unreachable", { cause: error });
  }
}

/** What the policies threw, as the caller sees it: a `PeerUnavailableError` naming the peer, or the error itself. */
function peerUnavailableOr(error: unknown, peer: string): unknown {
  if (error instanceof BrokenCircuitError) return new PeerUnavailableError(peer, "circuit_open", { cause: error });
  if (error instanceof TaskCancelledError) return new PeerUnavailableError(peer, "timeout", { cause: error });
  if (error instanceof PeerTransportFailure) return new PeerUnavailableError(peer, error.reason, { cause: error });
  return error;
}

/** Headers of one call: trace, correlation, caller, identity, and the idempotency key, deadline and consistency token the call's context asks for. */
async function peerCallHeaders(options: PeerClientOptions, context: Record<string, unknown>): Promise<Record<string, string>> {
  const headers: Record<string, string> = {
    ...(context["traceHeaders"] as Record<string, string> | undefined),
    [correlationHeader]: currentCorrelationId(),
    [callerHeader]: options.self,
    ...(await options.headers?.()),
  };
  const key = context["idempotencyKey"];
  if (typeof key === "string" && key.length > 0) headers[idempotencyHeader] = key;
  const timeoutMs = context["timeoutMs"];
  if (typeof timeoutMs === "number" && timeoutMs > 0) headers[deadlineHeader] = String(Math.round(timeoutMs));
  const token = context["consistencyToken"];
  if (typeof token === "string" && token.length > 0) headers[consistencyTokenHeader] = token;
  return headers;
}

const breakerStates = {
  [CircuitState.Closed]: "closed",
  [CircuitState.Open]: "open",
  [CircuitState.HalfOpen]: "half-open",
  [CircuitState.Isolated]: "isolated",
} as const;

/**
 * The domain error behind a failed peer call: a `PeerUnavailableError` for transport failures,
 * or a `DomainError` with the peer's own code and message (e.g. NOT_FOUND).
 */
export function peerErrorOf(error: unknown, peer: string): DomainError {
  if (error instanceof DomainError) return error;
  if (error instanceof TRPCClientError) {
    if (error.cause instanceof DomainError) return error.cause;
    const data = error.data as { domainCode?: unknown; code?: string; details?: Record<string, unknown> } | undefined;
    if (!data) return new PeerUnavailableError(peer, "unreachable", { cause: error });
    const code = isDomainErrorCode(data.domainCode) ? data.domainCode : domainCodeFromTrpc(data.code);
    return new DomainError(code, error.message, data.details ?? undefined, { cause: error });
  }
  return new DomainError("INTERNAL", `call to ${peer} failed: ${String(error)}`, { peer }, { cause: error });
}
