/**
 * `npm run db:generate -- <worker> [--name NAME]`: drizzle-kit generate with that worker's own
 * config, writing SQL into `migrations/<worker>/`.
 */
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./db";

const [worker, ...rest] = process.argv.slice(2);
if (!worker) {
  process.stderr.write("usage: npm run db:generate -- <worker> [--name migration_name]\n");
  process.exit(2);
}
const config = join("workers", worker, "drizzle.config.ts");
if (!existsSync(join(repoRoot, config))) {
  process.stderr.write(`no worker named ${worker}: ${config} does not exist\n`);
  process.exit(2);
}
// The repository's own drizzle-kit, so the command works outside `npm run` too (mesh new runs it with bun).
const installed = join(repoRoot, "node_modules", ".bin", "drizzle-kit");
const result = spawnSync(existsSync(installed) ? installed : "drizzle-kit", ["generate", "--config", config, ...rest], { cwd: repoRoot, stdio: "inherit" });
process.exit(result.status ?? 1);
