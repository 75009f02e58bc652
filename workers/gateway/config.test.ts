import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../shared/core/config";
import { gatewayConfigSchema } from "./config";

describe("gateway config: CORS_ORIGINS", () => {
  it("is off (no origin) when unset or blank", () => {
    expect(parseConfig(gatewayConfigSchema, {}).CORS_ORIGINS).toEqual([]);
    expect(parseConfig(gatewayConfigSchema, { CORS_ORIGINS: " " }).CORS_ORIGINS).toEqual([]);
  });

  it("takes a comma-separated list of origins", () => {
    const config = parseConfig(gatewayConfigSchema, { CORS_ORIGINS: "https://shop.example, http://localhost:5173" });
    expect(config.CORS_ORIGINS).toEqual(["https://shop.example", "http://localhost:5173"]);
  });

  it("refuses something that is not an origin, naming the variable", () => {
    for (const bad of ["shop.example", "https://shop.example/app", "*"]) {
      expect(() => parseConfig(gatewayConfigSchema, { CORS_ORIGINS: bad }), bad).toThrow(ConfigError);
      try {
        parseConfig(gatewayConfigSchema, { CORS_ORIGINS: bad });
      } catch (error) {
        expect((error as ConfigError).message).toContain("CORS_ORIGINS");
      }
    }
  });
});
