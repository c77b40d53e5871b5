/**
 * The sandbox against hostile code: loops, fork bombs, network calls, memory hogs, secret
 * hunting and output floods, all contained. Which protections exist depends on the machine
 * (root, unshare, prlimit); each test asserts the containment the sandbox reports it has,
 * and the development machine has all of them (see the first test).
 */
import { once } from "node:events";
import { chmod, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox, type SandboxIsolation } from "../../src/orchestrator/synthesis/sandbox.js";

let root: string;
let sandbox: Sandbox;
let isolation: SandboxIsolation;

/** Live (not zombie) processes whose command line contains `marker`. */
async function liveProcessesWith(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (!cmdline.includes(marker)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    if (state !== "Z" && state !== "") found.push(Number(entry));
  }
  return found;
}

beforeAll(async () => {
  // The run directories live here, so the test can see that they are removed. It must be
  // traversable by the per-run uid, like the OS temp dir is.
  root = await mkdtemp(join(tmpdir(), "hydra-sandbox-test-"));
  await chmod(root, 0o755);
  sandbox = new Sandbox({ tempRoot: root, limits: { timeoutMs: 5000 } });
  const detected = await sandbox.isolation("python");
  if (typeof detected === "string") throw new Error(detected);
  isolation = detected;
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("sandbox", () => {
  it("reports the isolation it has (on the development machine: all of it)", () => {
    // Printed so that a run elsewhere shows what was (not) available.
    console.info("sandbox isolation:", JSON.stringify(isolation));
    expect(isolation.memoryLimit).toBe(true);
    if (process.getuid?.() === 0) {
      expect(isolation).toMatchObject({
        network: true,
        pidNamespace: true,
        user: "dropped",
        processLimit: "per-run",
      });
    }
  });

  it("runs Python and Node programs and captures stdout, stderr and the exit code", async () => {
    const py = await sandbox.run({
      runtime: "python",
      files: { "main.py": "import sys\nprint('hello')\nprint('oops', file=sys.stderr)\nsys.exit(3)\n" },
      args: ["main.py"],
    });
    expect(py).toMatchObject({ status: "failed", exitCode: 3, stdout: "hello\n", stderr: "oops\n" });
    const js = await sandbox.run({
      runtime: "node",
      files: { "main.js": "console.log(6 * 7);" },
      args: ["main.js"],
    });
    expect(js).toMatchObject({ status: "passed", exitCode: 0, stdout: "42\n" });
  });

  it("returns what the code writes to the result channel separately from stdout", async () => {
    const result = await sandbox.run({
      runtime: "python",
      files: { "main.py": "import os\nprint('noise')\nos.write(3, b'{\"ok\": true}\\n')\n" },
      args: ["main.py"],
      channel: true,
    });
    expect(result.channel).toBe('{"ok": true}\n');
    expect(result.stdout).toBe("noise\n");
  });

  it("stops an infinite loop at the timeout and leaves no process behind, children included", async () => {
    const marker = `hydra-loop-${process.pid}-${Date.now()}`;
    const code = [
      "import subprocess, sys",
      // A child in its own session, as a daemon would do, to escape a process-group kill.
      "subprocess.Popen(['/bin/sh', '-c', 'sleep 1000; echo ' + sys.argv[1]], start_new_session=True)",
      "while True:",
      "    pass",
    ].join("\n");
    const result = await sandbox.run({
      runtime: "python",
      files: { "loop.py": code },
      args: ["loop.py", marker],
      limits: { timeoutMs: 1500 },
    });
    expect(result.status).toBe("timeout");
    expect(result.reason).toBe("timeout after 1500 ms");
    // Give the kernel a moment to finish tearing the namespace down.
    for (let i = 0; i < 50 && (await liveProcessesWith(marker)).length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    if (isolation.pidNamespace) expect(await liveProcessesWith(marker)).toEqual([]);
  });

  it("caps the number of processes: a fork bomb of 200 sleepers is refused beyond the cap", async () => {
    const code = [
      "import json, subprocess",
      "started, refused = [], 0",
      "for i in range(200):",
      "    try:",
      "        started.append(subprocess.Popen(['sleep', '30']))",
      "    except OSError:",
      "        refused += 1",
      "for p in started:",
      "    p.kill()",
      "print(json.dumps({'started': len(started), 'refused': refused}))",
    ].join("\n");
    const result = await sandbox.run({
      runtime: "python",
      files: { "bomb.py": code },
      args: ["bomb.py"],
      limits: { maxProcesses: 20, timeoutMs: 20_000 },
    });
    expect(result.status).toBe("passed");
    const counts = JSON.parse(result.stdout) as { started: number; refused: number };
    if (isolation.processLimit === "per-run") {
      expect(counts.started).toBeLessThan(20);
      expect(counts.refused).toBe(200 - counts.started);
    }
    expect(counts.started + counts.refused).toBe(200);
  });

  describe("network", () => {
    let server: Server;
    let port: number;
    beforeAll(async () => {
      server = createServer((socket) => socket.end("hello from outside\n"));
      server.listen(0, "127.0.0.1");
      await once(server, "listening");
      const address = server.address();
      if (address === null || typeof address === "string") throw new Error("no port");
      port = address.port;
    });
    afterAll(() => {
      server.close();
    });

    const connect = (p: number): string =>
      [
        "import socket",
        "try:",
        `    s = socket.create_connection(('127.0.0.1', ${p}), timeout=3)`,
        "    print('connected:', s.recv(100).decode().strip())",
        "except OSError as e:",
        "    print('refused:', type(e).__name__)",
      ].join("\n");

    it("cannot reach a server listening on the host's loopback", async () => {
      const result = await sandbox.run({
        runtime: "python",
        files: { "net.py": connect(port) },
        args: ["net.py"],
      });
      expect(result.status).toBe("passed");
      if (isolation.network) expect(result.stdout).toMatch(/^refused: /);
    });

    it("could reach it without the network namespace (so the test above tests something)", async () => {
      const open = new Sandbox({ tempRoot: root, maxIsolation: "rlimit" });
      const result = await open.run({
        runtime: "python",
        files: { "net.py": connect(port) },
        args: ["net.py"],
      });
      expect(result.stdout).toBe("connected: hello from outside\n");
      expect(result.isolation.network).toBe(false);
      expect(result.isolation.notes.join(" ")).toMatch(/no network isolation/);
    });

    it("cannot make Node connect either", async () => {
      const code = `const s = require("net").connect(${port}, "127.0.0.1");
s.on("data", (d) => { console.log("connected"); s.end(); });
s.on("error", (e) => console.log("refused:", e.code));`;
      const result = await sandbox.run({ runtime: "node", files: { "net.js": code }, args: ["net.js"] });
      expect(result.status).toBe("passed");
      if (isolation.network) expect(result.stdout).toMatch(/^refused: /);
    });
  });

  it("kills a Python memory hog at the memory cap", async () => {
    const result = await sandbox.run({
      runtime: "python",
      files: { "hog.py": "chunks = []\nwhile True:\n    chunks.append(bytearray(10 * 1024 * 1024))\n" },
      args: ["hog.py"],
      limits: { memoryMb: 128 },
    });
    expect(result.status).toBe("killed");
    expect(result.reason).toBe("memory limit (128 MB)");
  });

  it("kills a Node memory hog at the heap cap", async () => {
    const result = await sandbox.run({
      runtime: "node",
      files: { "hog.js": "const a = []; for (;;) a.push({ x: Math.random(), y: [1, 2, 3] });" },
      args: ["hog.js"],
      limits: { memoryMb: 64, timeoutMs: 20_000 },
    });
    expect(result.status).toBe("killed");
    expect(result.reason).toBe("memory limit (64 MB)");
  });

  it("does not pass the gateway's environment (secrets) to the code", async () => {
    process.env.HYDRA_SANDBOX_TEST_SECRET = "s3cr3t-value";
    try {
      const result = await sandbox.run({
        runtime: "python",
        files: { "env.py": "import os, json\nprint(json.dumps(dict(os.environ)))\n" },
        args: ["env.py"],
      });
      const env = JSON.parse(result.stdout) as Record<string, string>;
      expect(Object.values(env)).not.toContain("s3cr3t-value");
      // PWD comes from the shell that is the pid namespace's first process.
      expect(
        Object.keys(env)
          .filter((k) => k !== "PWD")
          .sort(),
      ).toEqual(
        [
          "HOME",
          "LANG",
          "LC_ALL",
          "PATH",
          "PYTHONDONTWRITEBYTECODE",
          "PYTHONHASHSEED",
          "PYTHONIOENCODING",
          "TMPDIR",
          "UV_THREADPOOL_SIZE",
        ].sort(),
      );
    } finally {
      delete process.env.HYDRA_SANDBOX_TEST_SECRET;
    }
  });

  it("runs in a fresh directory that is removed afterwards, even if the code locks it", async () => {
    const code =
      "import os\nos.makedirs('deep/er')\nopen('deep/er/f', 'w').write('x')\nos.chmod('deep', 0)\nprint(os.getcwd())\n";
    const result = await sandbox.run({ runtime: "python", files: { "dir.py": code }, args: ["dir.py"] });
    expect(result.status).toBe("passed");
    expect(result.stdout.trim().startsWith(join(root, "hydra-sandbox-"))).toBe(true);
    expect(await readdir(root)).toEqual([]);
  });

  it("kills a run that floods its output and keeps only the start of it", async () => {
    const result = await sandbox.run({
      runtime: "python",
      files: { "flood.py": "while True:\n    print('x' * 1000)\n" },
      args: ["flood.py"],
      limits: { maxOutputBytes: 200_000 },
    });
    expect(result.status).toBe("killed");
    expect(result.reason).toBe("output limit (200000 bytes)");
    expect(result.truncated).toBe(true);
    expect(result.stdout.length).toBeLessThanOrEqual(64 * 1024);
  });

  it("denies Node code child processes and files outside its directory", async () => {
    const code = `
const out = [];
try { require("child_process").spawnSync("sleep", ["1"]); out.push("spawned"); } catch (e) { out.push(e.code); }
try { require("fs").readFileSync("/etc/hostname"); out.push("read"); } catch (e) { out.push(e.code); }
console.log(out.join(" "));`;
    const result = await sandbox.run({ runtime: "node", files: { "p.js": code }, args: ["p.js"] });
    expect(result.stdout.trim()).toBe("ERR_ACCESS_DENIED ERR_ACCESS_DENIED");
  });

  it("refuses file names that would escape the run directory", async () => {
    const result = await sandbox.run({ runtime: "python", files: { "../evil.py": "" }, args: ["x"] });
    expect(result.status).toBe("error");
    expect(result.reason).toMatch(/must be relative/);
  });

  it("still runs code, and says what is missing, with no isolation at all", async () => {
    const bare = new Sandbox({ tempRoot: root, maxIsolation: "none" });
    const result = await bare.run({ runtime: "python", files: { "a.py": "print(1)" }, args: ["a.py"] });
    expect(result).toMatchObject({ status: "passed", stdout: "1\n" });
    expect(result.isolation).toMatchObject({
      network: false,
      pidNamespace: false,
      memoryLimit: false,
      processLimit: "none",
    });
  });

  it("runs many programs at once within its concurrency limit", async () => {
    const limited = new Sandbox({ tempRoot: root, concurrency: 2 });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        limited.run({ runtime: "python", files: { "a.py": `print(${i})` }, args: ["a.py"] }),
      ),
    );
    expect(results.map((r) => r.stdout.trim())).toEqual(["0", "1", "2", "3", "4", "5", "6", "7"]);
  });
});
