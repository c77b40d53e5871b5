import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors.js";
import { loadSimClusterFile, parseSimClusterConfig, parseSimNodeConfig } from "./config.js";

const example = (name: string) => fileURLToPath(new URL(`../../examples/${name}`, import.meta.url));

describe("sim node config", () => {
  it("fills every field with a default, so a one-line node works", () => {
    const node = parseSimNodeConfig({ name: "n1" });
    expect(node).toMatchObject({
      name: "n1",
      host: "127.0.0.1",
      port: 0,
      num_parallel: 1,
      max_queue: 512,
      keep_alive: "5m",
    });
    expect(node.models.map((m) => m.name)).toEqual(["llama3.2:latest", "nomic-embed-text:latest"]);
    expect(node.catalog.length).toBeGreaterThan(5);
    expect(node.models[0]).toMatchObject({ speed: 1, loaded: false, quantization_level: "Q4_K_M" });
  });

  it("names the key, the value and what is allowed when a value is wrong", () => {
    expect(() => parseSimNodeConfig({ name: "n1", num_parallel: 0 })).toThrow(ConfigError);
    expect(() => parseSimNodeConfig({ name: "n1", num_parallel: 0 })).toThrow(
      /num_parallel = 0: must be >= 1 \(parallel request slots\)/,
    );
    expect(() => parseSimNodeConfig({ name: "n1", models: [{ name: "m", size_mb: -3 }] })).toThrow(
      /models\[0\]\.size_mb = -3: must be > 0/,
    );
    expect(() => parseSimNodeConfig({ name: "n1", keep_alive: "5 minutes" })).toThrow(
      /keep_alive = "5 minutes": time: /,
    );
  });

  it("lists the allowed keys next to an unknown one", () => {
    expect(() => parseSimNodeConfig({ name: "n1", decode_tsp: 4 })).toThrow(
      /unknown key "decode_tsp"; allowed keys: .*decode_tps/,
    );
    expect(() =>
      parseSimNodeConfig({ name: "n1", faults: [{ type: "stall", after_tokens: 1, afterr: 2 }] }),
    ).toThrow(/faults\[0\]: unknown key "afterr"; allowed keys: .*after_tokens/);
  });

  it("rejects an unknown fault type with the list of types", () => {
    expect(() => parseSimNodeConfig({ faults: [{ type: "explode" }] })).toThrow(
      /type must be one of: status, reset, hang/,
    );
  });
});

describe("sim cluster config", () => {
  it("applies defaults to every node, a node's own keys winning", () => {
    const cluster = parseSimClusterConfig({
      defaults: { decode_tps: 7, num_parallel: 2 },
      nodes: [{ name: "a" }, { name: "b", decode_tps: 99 }],
    });
    expect(cluster.nodes.map((n) => [n.name, n.decode_tps, n.num_parallel])).toEqual([
      ["a", 7, 2],
      ["b", 99, 2],
    ]);
  });

  it("refuses duplicate node names and ports", () => {
    expect(() => parseSimClusterConfig({ nodes: [{ name: "a" }, { name: "a" }] })).toThrow(
      /"a" is used twice/,
    );
    expect(() =>
      parseSimClusterConfig({
        nodes: [
          { name: "a", port: 11500 },
          { name: "b", port: 11500 },
        ],
      }),
    ).toThrow(/both use 127\.0\.0\.1:11500/);
  });

  it("reports a bad key inside defaults as defaults.<key>", () => {
    expect(() => parseSimClusterConfig({ defaults: { vram_mb: "lots" }, nodes: [{ name: "a" }] })).toThrow(
      /defaults: invalid configuration\n {2}vram_mb = "lots": must be a number/,
    );
  });

  it("loads the shipped example clusters", async () => {
    const hetero = await loadSimClusterFile(example("cluster-hetero.yaml"));
    expect(hetero.nodes.map((n) => [n.name, n.num_parallel])).toEqual([
      ["gpu-1", 4],
      ["cpu-1", 1],
      ["cpu-2", 1],
      ["cpu-3", 1],
    ]);
    const demo = await loadSimClusterFile(example("cluster-demo.yaml"));
    const models = new Set(demo.nodes.flatMap((n) => n.models.map((m) => m.name)));
    expect(models).toEqual(new Set(["llama3.2:3b", "qwen2.5-coder:7b", "nomic-embed-text"]));
  });

  it("says which file could not be read", async () => {
    await expect(loadSimClusterFile("/nonexistent/cluster.yaml")).rejects.toThrow(
      /cannot read sim cluster file \/nonexistent/,
    );
  });
});
