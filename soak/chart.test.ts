/** The SVG line chart: one polyline and a legend entry a series, scaled to the plot, names escaped, gaps skipped. */
import { describe, expect, it } from "vitest";
import { lineChart } from "./chart";

describe("lineChart", () => {
  it("draws each series as a polyline from the origin's corner to the top right of the plot, titled and labelled", () => {
    const svg = lineChart("rows <orders>", [
      {
        name: "a&b",
        points: [
          [0, 0],
          [60, 10],
        ],
      },
      {
        name: "gaps",
        points: [
          [0, 5],
          [30, NaN],
          [60, 5],
        ],
      },
    ]);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain("rows &lt;orders&gt;");
    expect(svg).toContain(">a&amp;b</text>");
    const lines = [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((m) => m[1]!.split(" "));
    // Plot: x 56…490 (640 − 56 − 150), y 248 (zero) up to 28; the top of the y axis is 1.1 × the largest value.
    expect(lines[0]).toEqual(["56.0,248.0", `490.0,${(248 - 220 / 1.1).toFixed(1)}`]);
    expect(lines[1]).toHaveLength(2);
    expect(svg).toContain(">1.0 min</text>");
  });
});
