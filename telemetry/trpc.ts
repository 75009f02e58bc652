/**
 * The tRPC procedure span: `trpc.server <path>` around every procedure of every worker
 * (shared/rpc/trpc.ts puts it first in the procedure chain), active while the procedure runs so its
 * SQLite transactions and peer calls nest under it. A failed procedure records its error (the
 * domain error behind it when there is one) with status ERROR.
 */
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { markSpanFailed, withSpan } from "./spans";

interface ProcedureResult {
  ok: boolean;
  error?: { code?: string; cause?: unknown; message?: string };
}

export function traceProcedure<R extends ProcedureResult>(info: { path: string; type: string }, next: () => Promise<R>): Promise<R> {
  const attributes = { "rpc.system": "trpc", "rpc.method": info.path, "trpc.type": info.type };
  return withSpan(
    `trpc.server ${info.path}`,
    attributes,
    async (span) => {
      const result = await next();
      if (!result.ok && result.error) {
        const { cause, code } = result.error;
        const domainCode = (cause as { code?: unknown } | undefined)?.code;
        span.setAttribute("rpc.response.status_code", code ?? "INTERNAL_SERVER_ERROR");
        span.setAttribute("error.type", typeof domainCode === "string" ? domainCode : (code ?? "error"));
        markSpanFailed(span, cause instanceof Error ? cause : result.error);
      } else {
        span.setStatus({ code: SpanStatusCode.OK });
      }
      return result;
    },
    { kind: SpanKind.INTERNAL },
  );
}
