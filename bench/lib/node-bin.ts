/**
 * The real Node binary. Under `bun run` with bunfig's `[run] bun = true`, `node` on PATH is Bun
 * itself; autocannon and the reported Node version must come from Node.
 */
import { existsSync, realpathSync } from "node:fs";
import { basename, join } from "node:path";

export function nodeBin(): string {
  for (const dir of (process.env["PATH"] ?? "").split(":")) {
    const candidate = join(dir, "node");
    if (!dir || !existsSync(candidate)) continue;
    if (!basename(realpathSync(candidate)).startsWith("bun")) return candidate;
  }
  throw new Error("no Node.js binary on PATH (autocannon runs under Node)");
}
