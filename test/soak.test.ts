/**
 * The CI-sized soak (issue #23, acceptance 1): `npm run soak` for 3 minutes at 10 requests/s with
 * every retention scaled by 0.001 (raised to the config's floors: sent outbox rows 1 min,
 * idempotency keys 86 s), so those tables' bounds are reached and must level off within the run;
 * the inbox (10 min), streams and finished sagas (43 min) must stay within the bound their rate and
 * retention give (the ≥ 60-minute run of record is where they level off). Three minutes is the shortest run in which a 86 s retention and a pruner pass (60 s) both
 * elapse with a reading after them; a low rate keeps it passing on a busy 2-core machine. No
 * figure of time is asserted: only rows, bytes and RSS.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SoakReport } from "../soak/report";
import { bunBin, repoRoot, runToEnd } from "./support/processes";

describe("soak (CI-sized)", () => {
  it("keeps every table and stream within its bound, the short retentions levelled off, and every RSS within idle + 80 MB", async () => {
    const out = mkdtempSync(join(tmpdir(), "bunmesh-soak-test-"));
    const run = await runToEnd(bunBin, ["run", "soak/cli.ts", "--minutes", "3", "--rate", "10", "--retention-scale", "0.001", "--every", "0.5", "--out", out], {}, { cwd: repoRoot });
    const report = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as SoakReport;
    expect(report.samples.length, run.output).toBeGreaterThanOrEqual(7);
    expect(report.samples[report.samples.length - 1]!.counts.confirmed).toBeGreaterThan(500);
    expect(report.verdicts.filter((v) => !v.within).map((v) => `${v.series}: max ${v.max} > bound ${v.bound}`)).toEqual([]);
    const short = report.verdicts.filter((v) => v.kind === "sent outbox" || v.kind === "idempotency keys");
    expect(short.length).toBeGreaterThan(3);
    expect(short.filter((v) => !v.reached || !v.levelled).map((v) => v.series)).toEqual([]);
    expect(Object.entries(report.rssEnvelopeMb).filter(([, e]) => e.max > e.limit)).toEqual([]);
    expect(readFileSync(join(out, "RESULTS.md"), "utf8")).toContain("![RSS (MB)](rss.svg)");
    expect(run.code, run.output).toBe(0);
  }, 300_000);
});
