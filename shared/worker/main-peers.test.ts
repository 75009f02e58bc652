import { describe, expect, it } from "vitest";
import { peersOf } from "./main";

describe("peersOf (the peers /health/ready lists, for the gateway's topology)", () => {
  it("names each <PEER>_URL setting holding an HTTP URL, not the bus nor other settings", () => {
    const config = {
      USERS_URL: { portOffset: 1 },
      CATALOG_URL: "https://catalog.internal",
      NATS_URL: "nats://127.0.0.1:4222",
      JAEGER_UI_URL: "http://127.0.0.1:16686",
      DATA_DIR: "./.data",
      PORT: 4105,
    };
    expect(peersOf(config)).toEqual(["users", "catalog"]);
  });
});
