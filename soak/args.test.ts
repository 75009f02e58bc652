/** The soak's flags: defaults, each flag read, each bad one named. */
import { describe, expect, it } from "vitest";
import { parseSoakArgs } from "./args";

describe("parseSoakArgs", () => {
  it("reads every flag and defaults the rest (rate: the one given, every 5 minutes, scale 1)", () => {
    expect(parseSoakArgs(["--minutes", "60"], 59)).toEqual({ minutes: 60, rate: 59, retentionScale: 1, everyMinutes: 5, out: null });
    expect(parseSoakArgs(["--minutes", "3", "--rate", "10", "--retention-scale", "0.001", "--every", "0.5", "--out", "/tmp/x"], 59)).toEqual({
      minutes: 3,
      rate: 10,
      retentionScale: 0.001,
      everyMinutes: 0.5,
      out: "/tmp/x",
    });
  });

  it("names the flag of each bad value", () => {
    expect(() => parseSoakArgs([], 59)).toThrow(/^--minutes: required/);
    expect(() => parseSoakArgs(["--minutes", "ten"], 59)).toThrow(/^--minutes: must be a positive number \(got "ten"\)/);
    expect(() => parseSoakArgs(["--minutes", "1", "--rate", "0"], 59)).toThrow(/^--rate: must be a positive number/);
    expect(() => parseSoakArgs(["--minutes", "1", "--retention-scale", "2"], 59)).toThrow(/^--retention-scale: at most 1/);
    expect(() => parseSoakArgs(["--minutes", "1", "--speed", "2"], 59)).toThrow(/^--speed: unknown flag/);
    expect(() => parseSoakArgs(["--minutes", "1", "--out"], 59)).toThrow(/^--out: needs a directory/);
  });
});
