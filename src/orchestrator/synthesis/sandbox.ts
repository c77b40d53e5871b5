/**
 * Runs untrusted code (model-written solutions and tests) in a child process, never in the
 * gateway: a fresh temporary directory (removed afterwards), a minimal environment (no
 * inherited secrets), a wall-clock timeout, caps on memory, processes, file size and output,
 * and no network.
 *
 * The isolation uses what the machine offers, detected once per runtime and reported with
 * every result:
 *   - `unshare --net --pid --fork`: an empty network namespace (not even loopback is up) and a
 *     pid namespace whose teardown kills every process the code started, daemons included;
 *   - as root, `setpriv` to a fresh uid per run, so that RLIMIT_NPROC (the fork-bomb guard,
 *     which the kernel never enforces for root) counts only this run's processes, and the code
 *     cannot touch files it does not own;
 *   - without root, an unprivileged user namespace when the kernel allows it, and an
 *     RLIMIT_NPROC set to the user's current task count plus the run's allowance;
 *   - `prlimit` for RLIMIT_AS (memory), NPROC, FSIZE, NOFILE, CPU and CORE;
 *   - for Node, also `--max-old-space-size` and Node's permission model (file access limited
 *     to the run's directory, no child processes or workers).
 * Where none of this is available the code still runs in a separate process group with the
 * timeout and output caps, and the result says which protections were missing.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { constants as fsConstants } from "node:fs";
import { access, chmod, chown, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, constants as osConstants, tmpdir } from "node:os";
import { delimiter, isAbsolute, join, normalize } from "node:path";

export type SandboxRuntime = "python" | "node";
export type SandboxStatus = "passed" | "failed" | "error" | "timeout" | "killed";

export interface SandboxLimits {
  /** Wall-clock time before the run is killed. */
  timeoutMs: number;
  /** Address-space cap for Python; heap cap (and address space plus a reserve) for Node. */
  memoryMb: number;
  /** Processes and threads the run may have at once (the fork-bomb guard). */
  maxProcesses: number;
  /** Bytes of stdout + stderr (and, separately, of the result channel) before the run is killed. */
  maxOutputBytes: number;
  /** Largest file the code may write. */
  maxFileBytes: number;
}

export const DEFAULT_SANDBOX_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  timeoutMs: 10_000,
  memoryMb: 256,
  maxProcesses: 32,
  maxOutputBytes: 1 << 20,
  maxFileBytes: 16 << 20,
});

export interface SandboxRunRequest {
  runtime: SandboxRuntime;
  /** Files written into the run's directory, by relative name. */
  files: Readonly<Record<string, string>>;
  /** Interpreter arguments, e.g. `["main.py"]` or `["-m", "py_compile", "a.py"]`. */
  args: readonly string[];
  limits?: Partial<SandboxLimits>;
  /**
   * Open file descriptor 3 as a separate result channel and return what is written to it,
   * so that a harness's results never mix with what the code under test prints.
   */
  channel?: boolean;
}

/** What actually protected a run. */
export interface SandboxIsolation {
  /** Ran in its own empty network namespace. */
  network: boolean;
  /** Ran in its own pid namespace: ending the run ends every process it started. */
  pidNamespace: boolean;
  /** Ran under a fresh uid of its own rather than the gateway's user. */
  user: "dropped" | "inherited";
  /** How the number of processes was capped. */
  processLimit: "per-run" | "user-wide" | "none";
  /** RLIMIT_AS was set. */
  memoryLimit: boolean;
  /** What was missing, in words, for the report. */
  notes: string[];
}

export interface SandboxResult {
  status: SandboxStatus;
  exitCode: number | null;
  signal: string | null;
  /** Why a run was killed or errored: "timeout after 2000 ms", "memory limit (256 MB)" ... */
  reason?: string;
  stdout: string;
  stderr: string;
  /** What the code wrote to file descriptor 3 (empty unless `channel` was asked for). */
  channel: string;
  /** stdout or stderr was longer than what is kept here. */
  truncated: boolean;
  durationMs: number;
  isolation: SandboxIsolation;
}

export interface SandboxOptions {
  /** Runs at once; the rest wait. Default: CPUs, at most 8. */
  concurrency?: number;
  limits?: Partial<SandboxLimits>;
  pythonPath?: string;
  nodePath?: string;
  /** Parent of the per-run directories. Default: the OS temp dir. */
  tempRoot?: string;
  /** First uid of the range per-run uids are taken from (root only). Default 2_000_000_000. */
  uidBase?: number;
  /** Use only protections up to this level (tests use it to exercise the fallbacks). */
  maxIsolation?: IsolationLevel;
}

/**
 * How a run is wrapped: "uid" = pid and network namespaces and a fresh uid (needs root);
 * "ns" = the same namespaces without changing user (as root; without root, inside an
 * unprivileged user namespace); "rlimit" = resource limits only; "none" = a bare process.
 */
export type IsolationLevel = "uid" | "ns" | "rlimit" | "none";
const LEVELS: readonly IsolationLevel[] = ["uid", "ns", "rlimit", "none"];

/** Bytes of stdout and of stderr kept for the result; the rest is counted but dropped. */
const KEEP_BYTES = 64 * 1024;
/** Address space Node needs beyond its heap (code, thread stacks, reservations). */
const NODE_RESERVE_MB = 1024;
const SAFE_PATH = "/usr/local/bin:/usr/bin:/bin";

export interface CommandPlan {
  level: IsolationLevel;
  runtime: SandboxRuntime;
  interpreter: string;
  args: readonly string[];
  dir: string;
  limits: SandboxLimits;
  uid?: number;
  /** The gateway runs as root (namespaces need no user namespace; RLIMIT_NPROC does not bind root). */
  root: boolean;
  /** Without a uid of its own: tasks the user already has, so that the cap leaves room for them. */
  userTasks?: number;
}

/**
 * The command line for a run. Pure, so that what each isolation level does is readable and
 * tested without running anything.
 */
export function buildCommand(plan: CommandPlan): { command: string; args: string[] } {
  const { limits } = plan;
  const interpreterArgs =
    plan.runtime === "node"
      ? [
          `--max-old-space-size=${limits.memoryMb}`,
          "--v8-pool-size=2",
          "--experimental-permission",
          `--allow-fs-read=${plan.dir}`,
          `--allow-fs-write=${plan.dir}`,
          "--disable-warning=ExperimentalWarning",
          ...plan.args,
        ]
      : ["-B", "-s", ...plan.args];
  const program = [plan.interpreter, ...interpreterArgs];
  if (plan.level === "none") return { command: plan.interpreter, args: interpreterArgs };

  const memoryMb = plan.runtime === "node" ? limits.memoryMb + NODE_RESERVE_MB : limits.memoryMb;
  const nproc = plan.level === "uid" ? limits.maxProcesses : (plan.userTasks ?? 0) + limits.maxProcesses;
  const cpuSeconds = Math.ceil(limits.timeoutMs / 1000) + 1;
  const prlimit = [
    `--as=${memoryMb * 1024 * 1024}`,
    `--nproc=${nproc}`,
    `--fsize=${limits.maxFileBytes}`,
    "--nofile=256",
    `--cpu=${cpuSeconds}`,
    "--core=0",
    "--",
  ];
  if (plan.level === "rlimit") return { command: "prlimit", args: [...prlimit, ...program] };

  const unshare = ["unshare", "--net", "--pid", "--fork", "--kill-child"];
  if (plan.level === "ns" && !plan.root) unshare.splice(1, 0, "--user", "--map-root-user");
  const drop =
    plan.level === "uid" && plan.uid !== undefined
      ? [
          "setpriv",
          `--reuid=${plan.uid}`,
          `--regid=${plan.uid}`,
          "--clear-groups",
          "--no-new-privs",
          // Changing uid clears the parent-death signal unshare set: set it again, so that
          // killing unshare still kills the namespace's first process.
          "--pdeathsig=SIGKILL",
          "--",
        ]
      : [];
  // A shell as the namespace's pid 1, running the interpreter as its child: the kernel
  // ignores signals pid 1 has no handler for, which would make the code unkillable by
  // itself (abort() on out-of-memory would turn into a crash loop).
  const init = ["/bin/sh", "-c", '"$@"; exit $?', "sandbox"];
  return { command: "prlimit", args: [...prlimit, ...unshare, "--", ...drop, ...init, ...program] };
}

/** Sandbox status from how the process ended; pure. */
export function classifyExit(input: {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  outputLimited: boolean;
  spawnError?: string;
  stderr: string;
  limits: SandboxLimits;
}): { status: SandboxStatus; reason?: string; exitCode: number | null; signal: string | null } {
  let { exitCode, signal } = input;
  // Under the pid-1 shell, a signal death arrives as exit code 128 + signal number.
  if (signal === null && exitCode !== null && exitCode > 128 && exitCode < 128 + 65) {
    const name = signalName(exitCode - 128);
    if (name !== undefined) {
      signal = name;
      exitCode = null;
    }
  }
  if (input.spawnError !== undefined) return { status: "error", reason: input.spawnError, exitCode, signal };
  if (input.timedOut)
    return { status: "timeout", reason: `timeout after ${input.limits.timeoutMs} ms`, exitCode, signal };
  if (input.outputLimited) {
    return {
      status: "killed",
      reason: `output limit (${input.limits.maxOutputBytes} bytes)`,
      exitCode,
      signal,
    };
  }
  const memory =
    /MemoryError|JavaScript heap out of memory|Allocation failed|std::bad_alloc|Cannot allocate memory/;
  if ((signal !== null || exitCode !== 0) && memory.test(input.stderr)) {
    return { status: "killed", reason: `memory limit (${input.limits.memoryMb} MB)`, exitCode, signal };
  }
  if (signal !== null) {
    const why =
      signal === "SIGXCPU" ? "CPU time limit" : signal === "SIGXFSZ" ? "file size limit" : `signal ${signal}`;
    return { status: "killed", reason: why, exitCode, signal };
  }
  return { status: exitCode === 0 ? "passed" : "failed", exitCode, signal };
}

function signalName(n: number): string | undefined {
  for (const [name, value] of Object.entries(osConstants.signals)) if (value === n) return name;
  return undefined;
}

function execQuiet(
  command: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<{ ok: boolean; stdout: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, env: { PATH: SAFE_PATH } }, (error, stdout) => {
      resolve({ ok: error === null, stdout: String(stdout) });
    });
  });
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first `name` on the safe PATH, then on the gateway's PATH. */
async function findOnPath(name: string): Promise<string | undefined> {
  const dirs = [...SAFE_PATH.split(":"), ...(process.env.PATH ?? "").split(delimiter)].filter(
    (d) => d !== "",
  );
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Tasks the process cap must leave room for: none with a uid of its own (the count starts at
 * zero) or as root (the cap does not bind root); else the user's current tasks.
 */
async function tasksToAllowFor(level: IsolationLevel, root: boolean): Promise<number> {
  if (level === "uid" || level === "none" || root) return 0;
  return countUserTasks(process.getuid?.() ?? 0);
}

/** Tasks (processes and threads) a uid has now: RLIMIT_NPROC counts them all. */
async function countUserTasks(uid: number): Promise<number> {
  let total = 0;
  for (const entry of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const status = await readFile(`/proc/${entry}/status`, "utf8").catch(() => "");
    const owner = /^Uid:\s+(\d+)/m.exec(status)?.[1];
    if (owner !== undefined && Number(owner) === uid)
      total += Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 1);
  }
  return total;
}

interface RuntimePlan {
  level: IsolationLevel;
  interpreter: string;
  root: boolean;
  isolation: SandboxIsolation;
}

function describeIsolation(level: IsolationLevel, root: boolean): SandboxIsolation {
  const notes: string[] = [];
  const namespaces = level === "uid" || level === "ns";
  const processLimit = level === "uid" ? "per-run" : level === "none" || root ? "none" : "user-wide";
  if (!namespaces)
    notes.push("no network isolation: unshare is unavailable here, so the code can reach the network");
  if (!namespaces) notes.push("no pid namespace: processes that leave the process group may outlive the run");
  if (processLimit === "none")
    notes.push("no process cap: RLIMIT_NPROC does not bind root, or prlimit is unavailable");
  if (processLimit === "user-wide")
    notes.push("the process cap is user-wide: the run may use the user's headroom");
  if (level === "none")
    notes.push("no resource limits: prlimit is unavailable (only the timeout and output caps apply)");
  if (level !== "uid") notes.push("runs as the gateway's user: it can read what that user can read");
  return {
    network: namespaces,
    pidNamespace: namespaces,
    user: level === "uid" ? "dropped" : "inherited",
    processLimit,
    memoryLimit: level !== "none",
    notes,
  };
}

/** A counting semaphore: at most `size` runs at once. */
class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly size: number) {}
  async enter(): Promise<void> {
    if (this.active < this.size) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  leave(): void {
    const next = this.waiting.shift();
    if (next !== undefined) next();
    else this.active--;
  }
}

export class Sandbox {
  private readonly limits: SandboxLimits;
  private readonly gate: Gate;
  private readonly plans = new Map<SandboxRuntime, Promise<RuntimePlan | string>>();
  private nextUid = 0;

  constructor(private readonly options: SandboxOptions = {}) {
    this.limits = { ...DEFAULT_SANDBOX_LIMITS, ...options.limits };
    const cpus = typeof availableParallelism === "function" ? availableParallelism() : 2;
    this.gate = new Gate(Math.max(1, options.concurrency ?? Math.min(8, cpus)));
  }

  /** The isolation runs of this runtime get here; a string says why the runtime cannot run. */
  async isolation(runtime: SandboxRuntime): Promise<SandboxIsolation | string> {
    const plan = await this.plan(runtime);
    return typeof plan === "string" ? plan : plan.isolation;
  }

  async run(request: SandboxRunRequest): Promise<SandboxResult> {
    await this.gate.enter();
    try {
      return await this.runNow(request);
    } finally {
      this.gate.leave();
    }
  }

  private plan(runtime: SandboxRuntime): Promise<RuntimePlan | string> {
    let plan = this.plans.get(runtime);
    if (plan === undefined) {
      plan = this.detect(runtime);
      this.plans.set(runtime, plan);
    }
    return plan;
  }

  /** Tries the isolation levels from the strongest down with a trivial program; the first that works wins. */
  private async detect(runtime: SandboxRuntime): Promise<RuntimePlan | string> {
    const configured = runtime === "node" ? this.options.nodePath : this.options.pythonPath;
    const interpreter = configured ?? (runtime === "node" ? process.execPath : await findOnPath("python3"));
    if (interpreter === undefined)
      return `${runtime}: python3 was not found on PATH; set the sandbox's pythonPath`;
    const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
    const first = LEVELS.indexOf(this.options.maxIsolation ?? "uid");
    for (const level of LEVELS.slice(first)) {
      if (level === "uid" && !isRoot) continue;
      const probe = await this.withDir(async (dir, uid) => {
        const args =
          runtime === "node"
            ? ["-e", "require('fs').writeSync(3, 'ok')"]
            : ["-c", "import os; os.write(3, b'ok')"];
        const limits = { ...this.limits, timeoutMs: 10_000 };
        const { command, args: argv } = buildCommand({
          level,
          runtime,
          interpreter,
          args,
          dir,
          limits,
          root: isRoot,
          userTasks: await tasksToAllowFor(level, isRoot),
          ...(uid === undefined ? {} : { uid }),
        });
        const result = await spawnRun(command, argv, dir, limits, true, level);
        return result.status === "passed" && result.channel === "ok";
      }, level === "uid");
      if (probe) return { level, interpreter, root: isRoot, isolation: describeIsolation(level, isRoot) };
    }
    return `${runtime}: ${interpreter} could not be started in any sandbox configuration`;
  }

  private allocateUid(): number {
    const base = this.options.uidBase ?? 2_000_000_000;
    // Distinct per gateway process and per run, so concurrent runs never share a process count.
    const uid = base + (process.pid % 65_536) * 1024 + (this.nextUid % 1024);
    this.nextUid++;
    return uid;
  }

  /** Creates a private directory (owned by the run's uid when there is one), runs `body`, removes it. */
  private async withDir<T>(
    body: (dir: string, uid: number | undefined) => Promise<T>,
    dropUid: boolean,
  ): Promise<T> {
    const dir = await mkdtemp(join(this.options.tempRoot ?? tmpdir(), "hydra-sandbox-"));
    const uid = dropUid ? this.allocateUid() : undefined;
    try {
      await chmod(dir, 0o700);
      if (uid !== undefined) await chown(dir, uid, uid);
      return await body(dir, uid);
    } finally {
      await removeDir(dir);
    }
  }

  private async runNow(request: SandboxRunRequest): Promise<SandboxResult> {
    const limits: SandboxLimits = { ...this.limits, ...request.limits };
    const plan = await this.plan(request.runtime);
    if (typeof plan === "string") return errorResult(plan, describeIsolation("none", false));
    for (const name of Object.keys(request.files)) {
      if (isAbsolute(name) || normalize(name).startsWith("..") || name.includes("\0")) {
        return errorResult(
          `file name ${JSON.stringify(name)} must be relative and inside the run directory`,
          plan.isolation,
        );
      }
    }
    try {
      return await this.withDir(async (dir, uid) => {
        for (const [name, content] of Object.entries(request.files))
          await writeFile(join(dir, name), content);
        const { command, args } = buildCommand({
          level: plan.level,
          runtime: request.runtime,
          interpreter: plan.interpreter,
          args: request.args,
          dir,
          limits,
          root: plan.root,
          userTasks: await tasksToAllowFor(plan.level, plan.root),
          ...(uid === undefined ? {} : { uid }),
        });
        const result = await spawnRun(command, args, dir, limits, request.channel ?? false, plan.level);
        return { ...result, isolation: plan.isolation };
      }, plan.level === "uid");
    } catch (error) {
      return errorResult(
        `sandbox failed: ${error instanceof Error ? error.message : String(error)}`,
        plan.isolation,
      );
    }
  }
}

/** Spawns a prepared command line and collects its result. */
function spawnRun(
  command: string,
  args: readonly string[],
  dir: string,
  limits: SandboxLimits,
  channel: boolean,
  level: IsolationLevel,
): Promise<Omit<SandboxResult, "isolation">> {
  const started = performance.now();
  return new Promise((resolve) => {
    let child: ChildProcess;
    const env = {
      PATH: SAFE_PATH,
      HOME: dir,
      TMPDIR: dir,
      LANG: "C.UTF-8",
      LC_ALL: "C.UTF-8",
      PYTHONHASHSEED: "0",
      PYTHONIOENCODING: "utf-8",
      PYTHONDONTWRITEBYTECODE: "1",
      UV_THREADPOOL_SIZE: "2",
    };
    try {
      child = spawn(command, args, {
        cwd: dir,
        env,
        detached: true, // its own process group, so the whole group can be killed
        stdio: ["ignore", "pipe", "pipe", channel ? "pipe" : "ignore"],
      });
    } catch (error) {
      resolve(failure(`could not start ${command}: ${String(error)}`));
      return;
    }
    const out = new Capture();
    const err = new Capture();
    const ch = new Capture(limits.maxOutputBytes);
    let timedOut = false;
    let outputLimited = false;
    let spawnError: string | undefined;
    const stop = (): void => killRun(child, level);
    const onOutput = (): void => {
      if (
        !outputLimited &&
        (out.total + err.total > limits.maxOutputBytes || ch.total > limits.maxOutputBytes)
      ) {
        outputLimited = true;
        stop();
      }
    };
    child.stdout?.on("data", (d: Buffer) => {
      out.add(d);
      onOutput();
    });
    child.stderr?.on("data", (d: Buffer) => {
      err.add(d);
      onOutput();
    });
    const channelStream = child.stdio[3];
    if (channel && channelStream !== null && channelStream !== undefined && "on" in channelStream) {
      channelStream.on("data", (d: Buffer) => {
        ch.add(d);
        onOutput();
      });
      channelStream.on("error", () => {});
    }
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, limits.timeoutMs);
    child.on("error", (error) => {
      spawnError = `could not start ${command}: ${error.message}`;
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      // Without a pid namespace, background processes the code left in its group would
      // outlive it; with one, the namespace's teardown has already ended them.
      if (level === "rlimit" || level === "none") killGroup(child);
      const stderr = err.text();
      const verdict = classifyExit({
        exitCode: code,
        signal,
        timedOut,
        outputLimited,
        stderr,
        limits,
        ...(spawnError === undefined ? {} : { spawnError }),
      });
      resolve({
        ...verdict,
        stdout: out.text(),
        stderr,
        channel: ch.text(),
        truncated: out.truncated || err.truncated,
        durationMs: Math.round(performance.now() - started),
      });
    });
  });
}

/** Keeps the first `keep` bytes of a stream and counts the rest. */
class Capture {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  total = 0;
  constructor(private readonly keep = KEEP_BYTES) {}
  add(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.kept >= this.keep) return;
    const part = chunk.subarray(0, this.keep - this.kept);
    this.chunks.push(part);
    this.kept += part.length;
  }
  get truncated(): boolean {
    return this.total > this.kept;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

/**
 * Ends a run. With a pid namespace, killing its first process ends every process in it and
 * lets unshare reap it and exit; killing unshare first would leave that process to be
 * reaped by the machine's init. Without one, the process group is all there is to kill.
 */
function killRun(child: ChildProcess, level: IsolationLevel): void {
  const pid = child.pid;
  if (pid === undefined) return;
  if (level === "uid" || level === "ns") {
    readFile(`/proc/${pid}/task/${pid}/children`, "utf8")
      .then((text) => {
        for (const c of text.split(/\s+/).filter((s) => s !== "")) {
          try {
            process.kill(Number(c), "SIGKILL");
          } catch {
            // Already gone.
          }
        }
      })
      .catch(() => killGroup(child));
    // If unshare is somehow still there after a moment, take the whole group.
    setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) killGroup(child);
    }, 1000).unref();
    return;
  }
  killGroup(child);
}

function errorResult(reason: string, isolation: SandboxIsolation): SandboxResult {
  return { ...failure(reason), isolation };
}

function failure(reason: string): Omit<SandboxResult, "isolation"> {
  return {
    status: "error",
    exitCode: null,
    signal: null,
    reason,
    stdout: "",
    stderr: "",
    channel: "",
    truncated: false,
    durationMs: 0,
  };
}

/** Removes a run directory, even one the code made unreadable (chmod 000 on its own files). */
async function removeDir(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true });
  } catch {
    await execQuiet("chmod", ["-R", "u+rwx", dir], 5000);
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}

let shared: Sandbox | undefined;

/** One sandbox per process by default, so that the concurrency limit holds across callers. */
export function defaultSandbox(): Sandbox {
  shared ??= new Sandbox();
  return shared;
}
