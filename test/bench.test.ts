/**
 * `npm run bench -- --quick` end to end: every bench runs against real processes and both result
 * files are written with every bench's fields, to a temporary folder: the committed
 * bench/results.json and RESULTS.md are left as they were. No assertion on speed: that is what
 * the full run measures, on a quiet machine.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bunBin, repoRoot, runToEnd } from "./support/processes";

const benchNames = ["trpc", "hop", "relay", "orders", "peer", "startup", "read-wait"];
/** The aims (issue 13): CPU per order, one process, tracing, latency (orders); the peer hop; idle RSS (startup). The others state ratios. */
const benchesWithAims = ["orders", "peer", "startup"];
const committedFiles = ["bench/results.json", "bench/RESULTS.md"];

describe("npm run bench -- --quick", () => {
  it("runs every bench and writes results.json and RESULTS.md with each bench's figures and conditions", async () => {
    const committed = committedFiles.map((file) => readFileSync(join(repoRoot, file), "utf8"));
    // No --out: the smoke run must pick a temporary folder by itself.
    const { code, output } = await runToEnd(bunBin, ["run", "bench/run.ts", "--quick"]);
    expect(code, output).toBe(0);
    const out = /results in (\S+)\/results\.json/.exec(output)?.[1];
    expect(out, output).toBeDefined();
    expect(out).not.toBe(join(repoRoot, "bench"));
    committedFiles.forEach((file, i) => expect(readFileSync(join(repoRoot, file), "utf8"), `${file} rewritten by the smoke run`).toBe(committed[i]));

    const results = JSON.parse(readFileSync(join(out!, "results.json"), "utf8"));
    expect(results.mode).toBe("quick");
    expect(results.machine).toMatchObject({
      cores: expect.any(Number),
      memoryMb: expect.any(Number),
      bun: expect.any(String),
      node: expect.stringMatching(/^v\d+/),
      date: expect.any(String),
    });
    expect(Object.keys(results.benches).sort()).toEqual([...benchNames].sort());
    for (const name of benchNames) {
      const bench = results.benches[name];
      expect(bench, name).toMatchObject({ name, title: expect.any(String), measured: expect.any(String), figures: expect.any(Array), aims: expect.any(Array) });
      expect(bench.error, `${name}: ${bench.error}`).toBeUndefined();
      expect(bench.figures.length, name).toBeGreaterThan(0);
      if (benchesWithAims.includes(name)) expect(bench.aims.length, name).toBeGreaterThan(0);
      else expect(Object.keys(bench.ratios).length, name).toBeGreaterThan(0);
      for (const figure of bench.figures) {
        expect(figure.conditions.tool, `${name}: ${figure.label}`).toEqual(expect.any(String));
        expect(
          Object.values(figure.values).some((v) => typeof v === "number"),
          `${name}: ${figure.label}`,
        ).toBe(true);
      }
      // A 1-second run may see no order finish: then the aim has no value (null), never a made-up one.
      for (const aim of bench.aims) {
        expect(aim, `${name}: ${aim.aim}`).toMatchObject({ aim: expect.any(String), value: expect.toBeOneOf([expect.any(Number), null]) });
        if (aim.value === null) expect(aim.met, `${name}: ${aim.aim}`).toBeNull();
        else expect(typeof aim.met, `${name}: ${aim.aim}`).toBe("boolean");
      }
    }

    const markdown = readFileSync(join(out!, "RESULTS.md"), "utf8");
    expect(markdown).toContain("npm run bench -- --quick");
    for (const name of benchNames) expect(markdown).toContain(`## ${name}: ${results.benches[name].title}`);
  }, 600_000);
});
