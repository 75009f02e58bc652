// shared/rpc/ — calls between workers: the one tRPC setup and its fast route, peer clients with
// deadlines and breakers, discovery and registration through NATS services, service identity.
/**
 * The one tRPC instance of the mesh: one context shape, one error formatter, and the builders
 * workers may use. A worker's router reads its dependencies from `ctx.deps`, typed by
 * `procedures<Deps>()`; a procedure peers or the public API read declares its answer with `answers`.
 *
 * @example
 *   const p = procedures<UsersDeps>();
 *   export const usersRouter = router({
 *     get: p.internal.input(z.strictObject({ id })).concat(answers(userOutput)).query(({ ctx, input }) => getUser(ctx.deps.db, input.id)),
 *     register: p.callers("gateway").input(registerUserInput).concat(answers(userOutput)).mutation(({ ctx, input }) => registerUser(ctx.deps.db, input, ctx.deps.now())),
 *   });
 */
import { initTRPC, TRPCError } from "@trpc/server";
import { ZodError, type z } from "zod";
import { DomainError, domainErrorCodes, type DomainErrorCode } from "../core/errors";
import type { Logger } from "../core/logger";
import type { IdentityFailure } from "./identity";
import { traceProcedure } from "../../telemetry/trpc";

/** What every procedure sees. `deps` is the worker's own dependency bag (db, peers, clock…). */
export interface MeshContext {
  correlationId: string;
  /** Name of the calling worker, when the call came from a peer (verified when `auth` says so). */
  caller: string | null;
  logger: Logger;
  deps: unknown;
  /**
   * What the service token of the request proved (shared/rpc/identity.ts). Absent or "off": identity
   * checks are off (a worker run alone without a secret, or an in-process caller).
   */
  auth?: MeshAuth;
  /** Whether the request carried the admin API key (only workers given one check it: the gateway). */
  admin?: boolean;
  /** Whether results are checked against their output schemas (`answers`); absent: checked. The worker's OUTPUT_VALIDATION. */
  checkOutputs?: boolean;
}

export type MeshAuth = { status: "off" } | { status: "verified"; caller: string } | { status: "rejected"; reason: IdentityFailure; claimedCaller: string | null };

/**
 * Per-procedure metadata: `callers` lists who may call an internal procedure (absent: any mesh
 * caller); `output` is the schema of its answer (set by `answers`, read by the OpenAPI document).
 */
export interface MeshMeta {
  callers?: readonly string[];
  output?: z.ZodType;
}

export interface FieldProblem {
  path: string;
  message: string;
}

function fieldProblemsOf(error: ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || "(body)",
    message: issue.message,
  }));
}

/** "email: Invalid email address; name: Too small…" — names every bad field. */
export function describeFieldProblems(problems: FieldProblem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join("; ");
}

const t = initTRPC
  .context<MeshContext>()
  .meta<MeshMeta>()
  .create({
    errorFormatter({ shape, error }) {
      const cause = error.cause;
      const fields = cause instanceof ZodError ? fieldProblemsOf(cause) : undefined;
      const domainCode: DomainErrorCode | undefined = cause instanceof DomainError ? cause.code : fields ? "BAD_INPUT" : undefined;
      return {
        ...shape,
        message: fields ? `invalid input: ${describeFieldProblems(fields)}` : shape.message,
        data: {
          code: shape.data.code,
          httpStatus: shape.data.httpStatus,
          path: shape.data.path,
          domainCode: domainCode ?? null,
          details: cause instanceof DomainError ? (cause.details ?? null) : null,
          fields: fields ?? null,
        },
      };
    },
  });

/**
 * The outermost middleware of every procedure: a `trpc.server <path>` span that sees the final
 * error, and a thrown DomainError turned into the TRPCError of its mapped code (kept as the cause).
 * One middleware for both: each middleware level costs a closure chain per call.
 */
const tracedDomainErrors = t.middleware(({ path, type, next }) =>
  traceProcedure({ path, type }, async () => {
    const result = await next();
    if (!result.ok && result.error.cause instanceof DomainError) {
      const cause = result.error.cause;
      return { ...result, error: new TRPCError({ code: domainErrorCodes[cause.code].trpc, message: cause.message, cause }) };
    }
    return result;
  }),
);

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const middleware = t.middleware;

/**
 * Service identity: no valid token → UNAUTHORIZED, a caller not on the procedure's `callers` →
 * FORBIDDEN; both logged with the caller and procedure, and the procedure never runs. Returns the
 * verified caller, or null when identity checks are off.
 */
function checkServiceIdentity(ctx: MeshContext, meta: MeshMeta | undefined, path: string): string | null {
  const auth = ctx.auth;
  if (!auth || auth.status === "off") return null;
  if (auth.status === "rejected") {
    ctx.logger.warn({ claimedCaller: auth.claimedCaller, procedure: path, reason: auth.reason }, "call refused: no valid service token");
    throw new DomainError("UNAUTHENTICATED", `call to ${path} refused: ${auth.reason === "missing" ? "no service token" : `service token rejected (${auth.reason.replace("_", " ")})`}`);
  }
  const allowed = meta?.callers;
  if (allowed && !allowed.includes(auth.caller)) {
    ctx.logger.warn({ caller: auth.caller, procedure: path, allowed }, "call refused: caller not allowed");
    throw new DomainError("FORBIDDEN", `${auth.caller} may not call ${path} (allowed: ${allowed.join(", ")})`);
  }
  return auth.caller;
}

/**
 * What a procedure answers, as one zod schema: the result's type (the resolver must return it,
 * clients get it), the schema the OpenAPI document describes, and a check of every result that
 * fails the call (500 naming the field) when a result drifts from it. The check is on unless the
 * worker runs with OUTPUT_VALIDATION=off (`ctx.checkOutputs`); either way the answer is the
 * result as it was, so on and off answer alike (output schemas are strict and transform nothing).
 *
 * @example
 *   get: p.internal.input(getUserInput).concat(answers(userOutput)).query(({ ctx, input }) => getUser(ctx.deps.db, input.id)),
 */
export function answers<S extends z.ZodType>(schema: S) {
  const check = t.middleware(async ({ ctx, path, next }) => {
    const result = await next();
    if (!result.ok || ctx.checkOutputs === false) return result;
    const checked = schema.safeParse(result.data);
    if (checked.success) return result;
    const problems = checked.error.issues.map((issue) => `${issue.path.map(String).join(".") || "(answer)"}: ${issue.message}`).join("; ");
    throw new DomainError("INTERNAL", `${path} answered outside its output schema: ${problems}`, undefined, { cause: checked.error });
  });
  // tRPC's own output step only carries the type here: the check above is the one that runs.
  return t.procedure
    .meta({ output: schema })
    .use(check)
    .output((value: unknown) => value as z.output<S>);
}

/** The output schema a procedure declared with `answers`, or null. */
export function outputSchemaOf(procedure: { _def: { meta?: unknown } }): z.ZodType | null {
  return (procedure._def.meta as MeshMeta | undefined)?.output ?? null;
}

/** Procedures open to any caller that reaches the worker (the gateway's public router). */
const publicProcedure = t.procedure.use(tracedDomainErrors);

/**
 * Typed access to the worker's deps bag: `ctx.deps` is narrowed to `Deps`. Internal procedures
 * check the service identity in the same middleware that narrows the deps: each middleware level
 * costs tRPC a copy of the call's options and context on every call.
 */
export function procedures<Deps>() {
  const withDeps = t.middleware(({ ctx, next }) => next({ ctx: { deps: ctx.deps as Deps } }));
  const identityWithDeps = t.middleware(({ ctx, meta, path, next }) => {
    const caller = checkServiceIdentity(ctx, meta, path);
    // tRPC merges this into the context itself: no copy here.
    return next({ ctx: { deps: ctx.deps as Deps, caller: caller ?? ctx.caller } });
  });
  /** Procedures meant for peers inside the mesh: each call must carry a valid service token. */
  const internal = t.procedure.use(tracedDomainErrors).use(identityWithDeps);
  return {
    /** Any caller of the mesh with a valid token (reads). */
    internal,
    public: publicProcedure.use(withDeps),
    /** Only these callers, e.g. `p.callers("orders")` for reserving stock. */
    callers: (...names: string[]) => internal.meta({ callers: names }),
  };
}
