/**
 * Starts `hydra sim --cluster FILE` in a child process and waits until it has
 * announced every node (`hydra sim: node "NAME" on http://127.0.0.1:PORT ...`), so a
 * cluster of port-0 nodes can be found: one process, one URL per node.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { stopChild } from "./processes.js";

const CLI = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const ANNOUNCE = /hydra sim: node "([^"]+)" on (http:\/\/127\.0\.0\.1:\d+)/g;

export interface SimClusterProcess {
  child: ChildProcess;
  /** Node name → URL. */
  nodes: Map<string, string>;
  stop(): Promise<void>;
}

/** Parses every node announcement in `text`. */
export function parseAnnouncements(text: string): Map<string, string> {
  const nodes = new Map<string, string>();
  for (const match of text.matchAll(ANNOUNCE)) nodes.set(match[1] as string, match[2] as string);
  return nodes;
}

export function startSimClusterProcess(
  clusterFile: string,
  expectedNodes: number,
): Promise<SimClusterProcess> {
  const child = spawn(process.execPath, [CLI, "sim", "--cluster", clusterFile], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let seen = "";
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const nodes = parseAnnouncements(seen);
      if (nodes.size < expectedNodes) return;
      child.stdout?.off("data", onData);
      child.stderr?.off("data", onData);
      // Keep draining the pipes so a chatty child never blocks on a full buffer.
      child.stdout?.resume();
      child.stderr?.resume();
      resolve({ child, nodes, stop: () => stopChild(child) });
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) =>
      reject(
        new Error(
          `hydra sim --cluster ${clusterFile} exited with ${code} before all nodes were up:\n${seen}`,
        ),
      ),
    );
  });
}
