/**
 * Preloaded into every worker the launcher starts (`bun run --preload`). The worker's stdin is
 * a pipe from the launcher; when it closes, the launcher is gone (even by SIGKILL), so the
 * worker stops itself the graceful way instead of living on as an orphan.
 */
process.stdin.on("end", () => process.kill(process.pid, "SIGTERM"));
process.stdin.on("error", () => process.kill(process.pid, "SIGTERM"));
process.stdin.resume();
