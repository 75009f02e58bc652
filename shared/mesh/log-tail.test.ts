import { describe, expect, it } from "vitest";
import { appendFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tailLines } from "./log-tail";

describe("tailLines", () => {
  it("hands over whole lines appended after the start offset, a line split across writes once complete", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "bunmesh-tail-")), "server.log");
    writeFileSync(file, "old line before the start\n");
    const seen: string[] = [];
    const stop = tailLines(file, 26, (line) => seen.push(line), 20);
    appendFileSync(file, "[INF] first\n[WRN] sec");
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(seen).toEqual(["[INF] first"]);
    appendFileSync(file, "ond\n\n[ERR] third\n");
    stop(); // reads what is there one last time
    expect(seen).toEqual(["[INF] first", "[WRN] second", "[ERR] third"]);
  });
});
