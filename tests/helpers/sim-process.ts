/**
 * A simulated Ollama node in a process of its own (the compiled `hydra sim`, as users run it),
 * so a test can kill it for real with SIGKILL.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SimNodeInput } from "../../src/sim/config.js";

const CLI = fileURLToPath(new URL("../../dist/src/cli/main.js", import.meta.url));

export interface SimProcess {
  name: string;
  url: string;
  child: ChildProcess;
  /** SIGKILL: the node vanishes mid-whatever, as a crashed machine would. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSimProcess(node: SimNodeInput): Promise<SimProcess> {
  const file = join(mkdtempSync(join(tmpdir(), "hydra-sim-")), "cluster.json");
  writeFileSync(file, JSON.stringify({ nodes: [{ ...node, port: 0 }] }));
  const child = spawn(process.execPath, [CLI, "sim", "--cluster", file], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let seen = "";
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
      if (match?.[1] === undefined) return;
      child.stdout?.off("data", onData);
      child.stderr?.off("data", onData);
      child.stdout?.resume();
      child.stderr?.resume();
      resolve(match[1]);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) =>
      reject(new Error(`hydra sim exited with ${code} before it listened: ${seen}`)),
    );
  });
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    child.kill(signal);
    await exited;
  };
  return { name: node.name ?? "sim", url, child, kill: () => end("SIGKILL"), stop: () => end("SIGTERM") };
}
