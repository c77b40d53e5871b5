/**
 * Discovery over real sockets, on loopback only. Each block of 127.0.0.0/8 used here is this
 * file's alone, away from 127.0.0.1 where parallel test files listen on port 0: a scan of a
 * shared address could meet another file's server on one of our port numbers.
 *   127.0.0.16/29  the scans (sims on .17 and .18, impostors on .19 and .20)
 *   127.0.0.24/30  the CLI's scans (a sim on .26)
 *   127.0.0.1      the localhost-vs-127.0.0.1 case (only its own port is probed)
 */
import { execFile } from "node:child_process";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discoveryConfigSchema } from "../../src/discovery/config.js";
import { nodeIdentity } from "../../src/discovery/identity.js";
import { type DiscoveredNode, type ProbeFn, probeOllama } from "../../src/discovery/probe.js";
import { scanNetwork } from "../../src/discovery/scan.js";
import { DiscoveryService } from "../../src/discovery/service.js";
import { type SimNodeHandle, startSimNode } from "../../src/sim/index.js";

async function listen(host: string, handler: RequestListener): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, resolve);
  });
  return { server, port: (server.address() as AddressInfo).port };
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

const noLocal = new Set<string>();

describe("network discovery on loopback", () => {
  let alpha: SimNodeHandle;
  let beta: SimNodeHandle;
  let hello: { server: Server; port: number };
  let halfOllama: { server: Server; port: number };
  let ports: number[];

  beforeAll(async () => {
    [alpha, beta] = await Promise.all([
      startSimNode({
        name: "alpha",
        host: "127.0.0.17",
        version: "0.12.6",
        models: [{ name: "llama3.2:3b", size_mb: 2000 }],
      }),
      startSimNode({
        name: "beta",
        host: "127.0.0.18",
        version: "0.13.0",
        models: [
          { name: "qwen2.5:7b", size_mb: 4700 },
          { name: "nomic-embed-text", size_mb: 300, embedding_dim: 768 },
        ],
      }),
    ]);
    // A web server that is not Ollama: 200 "hello" to everything.
    hello = await listen("127.0.0.19", (_request, response) => response.end("hello"));
    // Answers /api/version like Ollama, then garbage on /api/tags.
    halfOllama = await listen("127.0.0.20", (request, response) => {
      response.setHeader("content-type", "application/json");
      response.end(request.url === "/api/version" ? '{"version":"0.12.6"}' : "<html>garbage</html>");
    });
    ports = [alpha.port, beta.port, hello.port, halfOllama.port];
  });

  afterAll(async () => {
    await Promise.all([
      alpha?.close(),
      beta?.close(),
      hello && close(hello.server),
      halfOllama && close(halfOllama.server),
    ]);
  });

  it("finds exactly the two Ollama nodes in 127.0.0.16/29, with their versions and models", async () => {
    const found = await scanNetwork({
      targets: ["127.0.0.16/29"],
      ports,
      concurrency: 8,
      timeoutMs: 2_000,
      localAddresses: noLocal,
    });
    expect(found).toEqual<DiscoveredNode[]>([
      { url: alpha.url, version: "0.12.6", models: ["llama3.2:3b"] },
      {
        url: beta.url,
        version: "0.13.0",
        models: expect.arrayContaining(["qwen2.5:7b", "nomic-embed-text:latest"]),
      },
    ]);
    expect(found[1]?.models).toHaveLength(2);
  });

  it("keeps the number of probes in flight within the concurrency", async () => {
    let inFlight = 0;
    let most = 0;
    let probes = 0;
    const counting: ProbeFn = async (url, options) => {
      probes++;
      inFlight++;
      most = Math.max(most, inFlight);
      try {
        return await probeOllama(url, options);
      } finally {
        inFlight--;
      }
    };
    const found = await scanNetwork({
      targets: ["127.0.0.16/29"],
      ports,
      concurrency: 3,
      timeoutMs: 2_000,
      probe: counting,
      localAddresses: noLocal,
    });
    expect(found).toHaveLength(2);
    expect(probes).toBe(6 * ports.length);
    expect(most).toBe(3);
  });

  it("lists the local node once when it is scanned as localhost and as 127.0.0.1", async () => {
    const local = await startSimNode({ name: "local", host: "127.0.0.1" });
    try {
      const found = await scanNetwork({
        targets: ["localhost", "127.0.0.1"],
        ports: [local.port],
        concurrency: 2,
        timeoutMs: 2_000,
      });
      expect(found.map((node) => node.url)).toEqual([`http://localhost:${local.port}`]);
    } finally {
      await local.close();
    }
  });

  it("runs as a service: each new node is announced once across two passes, a known one never", async () => {
    // The pool, as the gateway would hold it: beta spelled without a scheme.
    const pool = [`127.0.0.18:${beta.port}`];
    const known = new Set(pool.map((url) => nodeIdentity(url, noLocal)));
    const service = new DiscoveryService({
      config: discoveryConfigSchema.parse({ scan: ["127.0.0.16/29"], ports, timeoutMs: 2_000 }),
      isKnown: (url) => known.has(nodeIdentity(url, noLocal)),
      localAddresses: noLocal,
    });
    const announced: string[] = [];
    service.on("found", (node) => announced.push(node.url));
    try {
      const first = await service.scanOnce();
      const second = await service.scanOnce();
      expect(announced).toEqual([alpha.url]);
      expect(first).toMatchObject({ probed: 6 * ports.length, found: 2, announced: 1 });
      expect(second).toMatchObject({ found: 2, announced: 0 });
    } finally {
      await service.stop();
    }
  });
});

// The compiled CLI, as users run it (`npm test` builds first).
const CLI = fileURLToPath(new URL("../../dist/src/cli/main.js", import.meta.url));
const run = promisify(execFile);

function hydra(args: string[]) {
  return run(process.execPath, [CLI, ...args], { timeout: 20_000 }).then(
    (result) => ({ code: 0, ...result }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}

describe("hydra discover", () => {
  let sim: SimNodeHandle;

  beforeAll(async () => {
    sim = await startSimNode({
      name: "cli-discover",
      host: "127.0.0.26",
      models: [
        { name: "llama3.2:3b", size_mb: 2000 },
        { name: "qwen2.5:7b", size_mb: 4700 },
      ],
    });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it("is listed in the help", async () => {
    const { code, stdout } = await hydra(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("discover");
  });

  it("prints a table of the nodes found and how to use them", async () => {
    const { code, stdout, stderr } = await hydra(["discover", "127.0.0.24/30", "--port", String(sim.port)]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^URL\s+VERSION\s+MODELS\s+NAMES/);
    expect(stdout).toContain(`${sim.url}  0.12.6`);
    expect(stdout).toMatch(/\s2\s+llama3\.2:3b, qwen2\.5:7b/);
    expect(stdout).toContain(`- url: ${sim.url}`);
    expect(stdout).toContain(`hydra serve --node ${sim.url}`);
    // stderr is a pipe here: no progress line, one summary.
    expect(stderr).toMatch(/^scanned 2 addresses × 1 port in \d+\.\d s: 1 Ollama node found\n$/);
  });

  it("prints JSON with --json", async () => {
    const { code, stdout } = await hydra(["discover", "127.0.0.24/30", "-p", String(sim.port), "--json"]);
    expect(code).toBe(0);
    const body = JSON.parse(stdout) as { probed: number; ports: number[]; nodes: DiscoveredNode[] };
    expect(body.probed).toBe(2);
    expect(body.ports).toEqual([sim.port]);
    expect(body.nodes).toEqual([{ url: sim.url, version: "0.12.6", models: ["llama3.2:3b", "qwen2.5:7b"] }]);
  });

  it("exits 0 when nothing answers, hinting at --port", async () => {
    const { code, stdout } = await hydra(["discover", "127.0.0.25", "--port", String(sim.port)]);
    expect(code).toBe(0);
    expect(stdout).toContain("no Ollama node answered");
    expect(stdout).toContain("--port");
  });

  it("refuses a bad range with exit code 2 and says what to write", async () => {
    const wide = await hydra(["discover", "10.0.0.0/8"]);
    expect(wide.code).toBe(2);
    expect(wide.stderr).toContain('scan target "10.0.0.0/8"');
    expect(wide.stderr).toContain("/16");
    const typo = await hydra(["discover", "192.168.1.300/24"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("four numbers 0-255");
  });

  it("refuses a bad port with exit code 2", async () => {
    const { code, stderr } = await hydra(["discover", "127.0.0.25", "--port", "0"]);
    expect(code).toBe(2);
    expect(stderr).toContain("--port 0 is not a port number");
  });
});
