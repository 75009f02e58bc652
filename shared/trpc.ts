/**
 * The one tRPC instance of the mesh: one context shape, one error formatter, and the builders
 * workers may use. A worker's router reads its dependencies from `ctx.deps`, typed by
 * `procedures<Deps>()`.
 *
 * @example
 *   const { query, mutation } = procedures<UsersDeps>();
 *   export const usersRouter = router({ get: query.input(z.object({ id })).query(({ ctx, input }) => ...) });
 */
import { initTRPC, TRPCError } from "@trpc/server";
import { ZodError } from "zod";
import { DomainError, domainErrorCodes, type DomainErrorCode } from "./errors";
import type { Logger } from "./logger";
import { traceProcedure } from "../telemetry/trpc";

/** What every procedure sees. `deps` is the worker's own dependency bag (db, peers, clock…). */
export interface MeshContext {
  correlationId: string;
  /** Name of the calling worker, when the call came from a peer. */
  caller: string | null;
  logger: Logger;
  deps: unknown;
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

const t = initTRPC.context<MeshContext>().create({
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const fields = cause instanceof ZodError ? fieldProblemsOf(cause) : undefined;
    const domainCode: DomainErrorCode | undefined =
      cause instanceof DomainError ? cause.code : fields ? "BAD_INPUT" : undefined;
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

/** Turns a thrown DomainError into the TRPCError of its mapped code, keeping it as the cause. */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof DomainError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: domainErrorCodes[cause.code].trpc, message: cause.message, cause });
  }
  return result;
});

/** A `trpc.server <path>` span around every procedure (outermost, so it sees the final error). */
const tracing = t.middleware(({ path, type, next }) => traceProcedure({ path, type }, next));

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const middleware = t.middleware;

/** Procedures open to any caller that reaches the worker (the gateway's public router). */
export const publicProcedure = t.procedure.use(tracing).use(domainErrors);
/** Procedures meant for peers inside the mesh (identity checks attach here). */
export const internalProcedure = t.procedure.use(tracing).use(domainErrors);

/** Typed access to the worker's deps bag: `ctx.deps` is narrowed to `Deps`. */
export function procedures<Deps>() {
  const withDeps = t.middleware(({ ctx, next }) => next({ ctx: { ...ctx, deps: ctx.deps as Deps } }));
  return {
    internal: internalProcedure.use(withDeps),
    public: publicProcedure.use(withDeps),
  };
}
