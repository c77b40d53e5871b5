import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SimNodeHandle, startSimNode } from "../../src/sim/index.js";

// The compiled CLI, as users run it (`npm test` builds first).
const CLI = fileURLToPath(new URL("../../dist/src/cli/main.js", import.meta.url));
const run = promisify(execFile);

function hydra(args: string[], env: NodeJS.ProcessEnv = {}) {
  return run(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 20_000 }).then(
    (result) => ({ code: 0, ...result }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}

/** Starts a long-running CLI command and resolves once it printed a line matching `ready`. */
function startHydra(args: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let seen = "";
    const onData = (data: Buffer) => {
      seen += data.toString();
      const match = ready.exec(seen);
      if (match) resolve({ child, match });
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => reject(new Error(`exited with ${code}: ${seen}`)));
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once("exit", (code) => resolve(code));
    child.kill("SIGTERM");
  });
}

describe("hydra CLI", () => {
  it("prints help with every command", async () => {
    const { code, stdout } = await hydra(["--help"]);
    expect(code).toBe(0);
    for (const command of ["serve", "sim", "demo", "nodes"]) expect(stdout).toContain(command);
  });

  it("refuses a bad config naming the key, the value and what is allowed, exit code 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hydra-cli-"));
    const file = join(dir, "hydra.yaml");
    writeFileSync(file, "server:\n  port: 99999\n");
    const { code, stderr } = await hydra(["serve", "--config", file]);
    expect(code).toBe(2);
    expect(stderr).toContain("server.port = 99999");
    expect(stderr).toContain("65535");
  });

  it("refuses a bad environment value the same way", async () => {
    const { code, stderr } = await hydra(["serve"], { HYDRA_LOG_LEVEL: "chatty" });
    expect(code).toBe(2);
    expect(stderr).toContain('log.level = "chatty"');
  });

  it("runs the demo: a streamed chat through the gateway, then exits with --once", async () => {
    const { code, stdout } = await hydra(["demo", "--once", "--free-ports"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/gateway\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(stdout).toMatch(/served by demo-\w+: \d+ tokens/);
  });
});

describe("hydra serve and hydra nodes", () => {
  let node: SimNodeHandle;
  let serve: ChildProcess;
  let gatewayUrl: string;

  beforeAll(async () => {
    node = await startSimNode({
      name: "cli-node",
      models: [{ name: "llama3.2:3b", size_mb: 1000, loaded: true }],
    });
    const started = await startHydra(
      ["serve", "--port", "0", "--node", node.url, "--log-level", "warn"],
      /gateway on (http:\/\/\S+)/,
    );
    serve = started.child;
    gatewayUrl = started.match[1] as string;
  });
  afterAll(async () => {
    expect(await stop(serve)).toBe(0);
    await node.close();
  });

  it("serves the Ollama API on the port it printed", async () => {
    const response = await fetch(`${gatewayUrl}/api/tags`);
    expect(((await response.json()) as { models: { name: string }[] }).models[0]?.name).toBe("llama3.2:3b");
  });

  it("shows the nodes as a table", async () => {
    const { code, stdout } = await hydra(["nodes", "--gateway", gatewayUrl]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^NODE\s+HEALTH\s+IN-FLIGHT\s+URL\s+MODELS/);
    expect(stdout).toMatch(/127\.0\.0\.1:\d+\s+up\s+0\s+http:\/\/127\.0\.0\.1:\d+\s+llama3\.2:3b\*/);
  });

  it("says how to fix an unreachable gateway", async () => {
    const { code, stderr } = await hydra(["nodes", "--gateway", "http://127.0.0.1:1"]);
    expect(code).toBe(1);
    expect(stderr).toContain("cannot reach the gateway");
  });
});

describe("hydra serve on a public address", () => {
  it("warns loudly when there are no API keys", async () => {
    const node = await startSimNode({ name: "pub-node" });
    try {
      const { child, match } = await startHydra(
        ["serve", "--host", "0.0.0.0", "--port", "0", "--node", node.url],
        /WARNING: ([^\n]*)[\s\S]*gateway on/,
      );
      expect(match[1]).toContain("without API keys");
      expect(await stop(child)).toBe(0);
    } finally {
      await node.close();
    }
  });
});
