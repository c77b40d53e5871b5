import { describe, expect, it } from "vitest";
import { buildCommand, type CommandPlan, classifyExit, DEFAULT_SANDBOX_LIMITS } from "./sandbox.js";

const plan = (overrides: Partial<CommandPlan> = {}): CommandPlan => ({
  level: "uid",
  runtime: "python",
  interpreter: "/usr/bin/python3",
  args: ["main.py"],
  dir: "/tmp/hydra-sandbox-x",
  limits: { ...DEFAULT_SANDBOX_LIMITS, timeoutMs: 2500, memoryMb: 128, maxProcesses: 16 },
  uid: 2_000_000_123,
  root: true,
  ...overrides,
});

describe("buildCommand", () => {
  it("wraps a run as root in limits, namespaces, a fresh uid and a pid-1 shell", () => {
    const { command, args } = buildCommand(plan());
    expect([command, ...args]).toEqual([
      "prlimit",
      `--as=${128 * 1024 * 1024}`,
      "--nproc=16",
      `--fsize=${16 << 20}`,
      "--nofile=256",
      "--cpu=4",
      "--core=0",
      "--",
      "unshare",
      "--net",
      "--pid",
      "--fork",
      "--kill-child",
      "--",
      "setpriv",
      "--reuid=2000000123",
      "--regid=2000000123",
      "--clear-groups",
      "--no-new-privs",
      "--pdeathsig=SIGKILL",
      "--",
      "/bin/sh",
      "-c",
      '"$@"; exit $?',
      "sandbox",
      "/usr/bin/python3",
      "-B",
      "-s",
      "main.py",
    ]);
  });

  it("gives Node a heap cap, address-space headroom and its permission model", () => {
    const { args } = buildCommand(plan({ runtime: "node", interpreter: "/usr/bin/node", args: ["h.cjs"] }));
    expect(args[0]).toBe(`--as=${(128 + 1024) * 1024 * 1024}`);
    expect(args.slice(-7)).toEqual([
      "--max-old-space-size=128",
      "--v8-pool-size=2",
      "--experimental-permission",
      "--allow-fs-read=/tmp/hydra-sandbox-x",
      "--allow-fs-write=/tmp/hydra-sandbox-x",
      "--disable-warning=ExperimentalWarning",
      "h.cjs",
    ]);
  });

  it("uses namespaces without a user namespace as root, and no uid change without one", () => {
    const { args } = buildCommand(plan({ level: "ns", uid: undefined }));
    expect(args.slice(args.indexOf("unshare"), args.indexOf("unshare") + 2)).toEqual(["unshare", "--net"]);
    expect(args).not.toContain("setpriv");
  });

  it("uses an unprivileged user namespace and a user-wide process cap without root", () => {
    const { args } = buildCommand(plan({ level: "ns", uid: undefined, root: false, userTasks: 100 }));
    expect(args).toContain("--nproc=116");
    expect(args.slice(args.indexOf("unshare"), args.indexOf("unshare") + 3)).toEqual([
      "unshare",
      "--user",
      "--map-root-user",
    ]);
    expect(args).not.toContain("setpriv");
  });

  it("falls back to resource limits only, then to the bare interpreter", () => {
    const rlimit = buildCommand(plan({ level: "rlimit", userTasks: 4 }));
    expect(rlimit.command).toBe("prlimit");
    expect(rlimit.args).not.toContain("unshare");
    expect(rlimit.args.slice(-4)).toEqual(["/usr/bin/python3", "-B", "-s", "main.py"]);
    expect(buildCommand(plan({ level: "none" }))).toEqual({
      command: "/usr/bin/python3",
      args: ["-B", "-s", "main.py"],
    });
  });
});

describe("classifyExit", () => {
  const base = {
    exitCode: 0,
    signal: null,
    timedOut: false,
    outputLimited: false,
    stderr: "",
    limits: DEFAULT_SANDBOX_LIMITS,
  };

  it.each([
    [{}, "passed", undefined],
    [{ exitCode: 1 }, "failed", undefined],
    [{ exitCode: null, signal: "SIGKILL", timedOut: true }, "timeout", "timeout after 10000 ms"],
    [{ exitCode: null, signal: "SIGKILL", outputLimited: true }, "killed", `output limit (${1 << 20} bytes)`],
    [{ exitCode: 1, stderr: "Traceback...\nMemoryError" }, "killed", "memory limit (256 MB)"],
    [
      { exitCode: 134, stderr: "FATAL ERROR: ... JavaScript heap out of memory" },
      "killed",
      "memory limit (256 MB)",
    ],
    [{ exitCode: 137 }, "killed", "signal SIGKILL"],
    [{ exitCode: null, signal: "SIGXCPU" }, "killed", "CPU time limit"],
    [{ exitCode: 128 + 25 }, "killed", "file size limit"],
    [
      { exitCode: null, spawnError: "could not start prlimit: ENOENT" },
      "error",
      "could not start prlimit: ENOENT",
    ],
  ] as const)("%j → %s", (input, status, reason) => {
    const verdict = classifyExit({ ...base, ...input });
    expect(verdict.status).toBe(status);
    expect(verdict.reason).toBe(reason);
  });

  it("turns the pid-1 shell's 128+n exit code back into the signal", () => {
    expect(classifyExit({ ...base, exitCode: 137 })).toMatchObject({ exitCode: null, signal: "SIGKILL" });
    expect(classifyExit({ ...base, exitCode: 200 })).toMatchObject({
      status: "failed",
      exitCode: 200,
      signal: null,
    });
  });
});
