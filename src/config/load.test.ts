import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors.js";
import { loadConfig } from "./load.js";
import { normalizeNodeUrl } from "./node-url.js";

function dirWith(yaml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), "hydra-config-"));
  if (yaml !== undefined) writeFileSync(join(dir, "hydra.yaml"), yaml);
  return dir;
}

function errorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("gives working defaults with no file, no env and no flags: the local Ollama", () => {
    const config = loadConfig({ env: {}, cwd: dirWith() });
    expect(config.server).toEqual({
      host: "127.0.0.1",
      port: 8000,
      bodyLimit: 32 * 1024 * 1024,
      drainTimeoutMs: 30_000,
    });
    expect(config.nodes).toEqual([
      { url: "http://127.0.0.1:11434", name: "127.0.0.1:11434", tags: [], weight: 1 },
    ]);
    expect(config.auth.keys).toEqual([]);
  });

  it("uses OLLAMA_HOST when no node is configured", () => {
    const config = loadConfig({ env: { OLLAMA_HOST: "0.0.0.0:11435" }, cwd: dirWith() });
    expect(config.nodes.map((n) => n.url)).toEqual(["http://127.0.0.1:11435"]);
  });

  it("reads ./hydra.yaml, with node names, tags and weights", () => {
    const cwd = dirWith(
      "server:\n  port: 9000\nnodes:\n  - url: gpu-box\n    name: gpu\n    tags: [gpu]\n    weight: 3\n",
    );
    const config = loadConfig({ env: {}, cwd });
    expect(config.server.port).toBe(9000);
    expect(config.nodes).toEqual([{ url: "http://gpu-box:11434", name: "gpu", tags: ["gpu"], weight: 3 }]);
  });

  it("lets env override the file, and flags override env", () => {
    const cwd = dirWith("server:\n  port: 9000\n  host: 127.0.0.1\n");
    const fromEnv = loadConfig({ env: { HYDRA_PORT: "9100", HYDRA_HOST: "0.0.0.0" }, cwd });
    expect(fromEnv.server).toMatchObject({ port: 9100, host: "0.0.0.0" });
    const fromFlags = loadConfig({ env: { HYDRA_PORT: "9100" }, cwd, flags: { port: 9200 } });
    expect(fromFlags.server.port).toBe(9200);
  });

  it("merges nodes from the file, HYDRA_NODES and --node, each URL once", () => {
    const cwd = dirWith("nodes:\n  - url: http://a:11434\n    name: a\n");
    const config = loadConfig({
      env: { HYDRA_NODES: "a:11434, b:11434", OLLAMA_HOST: "ignored:1" },
      cwd,
      flags: { nodes: ["http://c:11434/", "b"] },
    });
    expect(config.nodes.map((n) => [n.name, n.url])).toEqual([
      ["a", "http://a:11434"],
      ["b:11434", "http://b:11434"],
      ["c:11434", "http://c:11434"],
    ]);
  });

  it("reads API keys from HYDRA_API_KEYS as a comma-separated list", () => {
    const config = loadConfig({ env: { HYDRA_API_KEYS: "key-one-123,key-two-456" }, cwd: dirWith() });
    expect(config.auth.keys).toEqual(["key-one-123", "key-two-456"]);
  });

  it("reads the cluster settings from the environment: secret and Redis URL as text, scan ranges as a list", () => {
    const config = loadConfig({
      env: {
        HYDRA_CLUSTER_SECRET: "1234567890123456789",
        HYDRA_REDIS_URL: "redis://127.0.0.1:6379/2",
        HYDRA_DISCOVERY_SCAN: "192.168.1.0/24, 10.0.0.5",
        HYDRA_ROUTING_STRATEGY: "least_connections",
      },
      cwd: dirWith(),
    });
    expect(config.agents.secret).toBe("1234567890123456789");
    expect(config.redis.url).toBe("redis://127.0.0.1:6379/2");
    expect(config.discovery.scan).toEqual(["192.168.1.0/24", "10.0.0.5"]);
    expect(config.routing.strategy).toBe("least_connections");
  });

  it("rejects a scan range too large, naming it", () => {
    expect(() => loadConfig({ env: { HYDRA_DISCOVERY_SCAN: "10.0.0.0/8" }, cwd: dirWith() })).toThrow(
      /discovery\.scan\[0\] = "10\.0\.0\.0\/8"/,
    );
  });

  it("reads an explicit --config file", () => {
    const dir = dirWith();
    const file = join(dir, "other.yaml");
    writeFileSync(file, "log:\n  level: warn\n");
    expect(loadConfig({ env: {}, cwd: dirWith(), flags: { config: file } }).log.level).toBe("warn");
  });

  it("names the key, the value and what is allowed when a value is wrong", () => {
    const error = errorOf(() => loadConfig({ env: {}, cwd: dirWith("server:\n  port: 70000\n") }));
    expect(error.message).toContain("server.port = 70000");
    expect(error.message).toMatch(/65535/);
    expect(error.message).toContain("hydra.yaml");
  });

  it("lists the allowed values of an enum", () => {
    const error = errorOf(() => loadConfig({ env: { HYDRA_LOG_LEVEL: "loud" }, cwd: dirWith() }));
    expect(error.message).toContain('log.level = "loud"');
    expect(error.message).toContain('"debug"');
  });

  it("rejects an unknown key by name", () => {
    const error = errorOf(() => loadConfig({ env: {}, cwd: dirWith("server:\n  prot: 1\n") }));
    expect(error.message).toContain('server: unknown key "prot"; allowed keys: host, port, bodyLimit');
  });

  it("rejects a number given as text in the environment with the value it got", () => {
    const error = errorOf(() => loadConfig({ env: { HYDRA_PORT: "eighty" }, cwd: dirWith() }));
    expect(error.message).toContain('server.port = "eighty"');
  });

  it("rejects invalid YAML, a non-mapping file, and a missing explicit file", () => {
    expect(errorOf(() => loadConfig({ env: {}, cwd: dirWith("server: [\n") })).message).toContain(
      "not valid YAML",
    );
    expect(errorOf(() => loadConfig({ env: {}, cwd: dirWith("- a\n- b\n") })).message).toContain(
      "must hold a mapping",
    );
    expect(
      errorOf(() => loadConfig({ env: {}, cwd: dirWith(), flags: { config: "/nonexistent/h.yaml" } }))
        .message,
    ).toContain("cannot read config file /nonexistent/h.yaml");
  });

  it("rejects nodes that are not a list of {url}", () => {
    expect(errorOf(() => loadConfig({ env: {}, cwd: dirWith("nodes: 3\n") })).message).toContain(
      '"nodes" = 3',
    );
    expect(errorOf(() => loadConfig({ env: {}, cwd: dirWith("nodes:\n  - name: x\n") })).message).toContain(
      '"nodes.0"',
    );
    expect(
      errorOf(() => loadConfig({ env: {}, cwd: dirWith("nodes:\n  - url: ftp://x\n") })).message,
    ).toContain("only http");
  });

  it("rejects two nodes with one name", () => {
    const yaml = "nodes:\n  - {url: a, name: same}\n  - {url: b, name: same}\n";
    expect(errorOf(() => loadConfig({ env: {}, cwd: dirWith(yaml) })).message).toContain(
      'two nodes are named "same"',
    );
  });

  it("rejects short API keys", () => {
    const error = errorOf(() => loadConfig({ env: {}, cwd: dirWith("auth:\n  keys: [abc]\n") }));
    expect(error.message).toContain("at least 8 characters");
  });
});

describe("normalizeNodeUrl", () => {
  it.each([
    ["gpu-box", "http://gpu-box:11434"],
    ["10.0.0.5:11434", "http://10.0.0.5:11434"],
    ["http://host:11434/", "http://host:11434"],
    ["0.0.0.0", "http://127.0.0.1:11434"],
    ["https://ollama.example.com", "https://ollama.example.com"],
    ["http://h", "http://h"],
    ["127.0.0.1:11500/ollama/", "http://127.0.0.1:11500/ollama"],
    ["[::1]:11434", "http://[::1]:11434"],
  ])("%s → %s", (input, expected) => {
    expect(normalizeNodeUrl(input)).toBe(expected);
  });

  it("rejects empty and non-HTTP URLs", () => {
    expect(() => normalizeNodeUrl(" ")).toThrow(ConfigError);
    expect(() => normalizeNodeUrl("ftp://x")).toThrow(/only http/);
    expect(() => normalizeNodeUrl("http://")).toThrow(/not a valid URL/);
  });
});
