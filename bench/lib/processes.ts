/**
 * Starts Hydra's CLI in child processes for benchmarks (each in its own process,
 * as in production) and waits for the URL it prints.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

export interface Started {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/** Runs `hydra <args>` and resolves with the first http://127.0.0.1:PORT URL it prints. */
export function startCli(args: string[], urlPattern = /http:\/\/127\.0\.0\.1:\d+/): Promise<Started> {
  return startScript(CLI, args, urlPattern);
}

/** Runs a Node script and resolves with the first http://127.0.0.1:PORT URL it prints. */
export function startScript(
  script: string,
  args: string[],
  urlPattern = /http:\/\/127\.0\.0\.1:\d+/,
): Promise<Started> {
  const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let seen = "";
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = urlPattern.exec(seen);
      if (match) {
        child.stdout?.off("data", onData);
        child.stderr?.off("data", onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve({ child, url: match[0], stop: () => stopChild(child) });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) =>
      reject(new Error(`hydra ${args.join(" ")} exited with ${code} before it was ready:\n${seen}`)),
    );
  });
}

export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** Sends `signal` (e.g. SIGKILL, to simulate a crash) and resolves once the process is gone. */
export function killChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}

/** Resident and peak resident memory of a process, in MB (Linux). */
export function memoryOf(pid: number): { rss_mb: number; peak_rss_mb: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss_mb: round(kb("VmRSS") / 1024), peak_rss_mb: round(kb("VmHWM") / 1024) };
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
