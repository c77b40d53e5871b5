/**
 * GPUs as their vendors' tools report them: `nvidia-smi` (CSV) and `rocm-smi` (JSON). The
 * parsers are pure; the collector runs the tools with a short deadline, and a machine
 * without them (or where they fail) simply reports no GPU.
 */
import { execFile } from "node:child_process";
import type { GpuStatus } from "../protocol.js";

const MB = 1024 * 1024;

export const NVIDIA_SMI_ARGS = [
  "--query-gpu=index,name,memory.total,memory.free,utilization.gpu,temperature.gpu",
  "--format=csv,noheader,nounits",
] as const;

export const ROCM_SMI_ARGS = [
  "--showproductname",
  "--showmeminfo",
  "vram",
  "--showuse",
  "--showtemp",
  "--json",
] as const;

/** A number, or null for what the tools print when they cannot read a value ("[N/A]", "[Not Supported]"). */
function reading(text: string | undefined): number | null {
  if (text === undefined) return null;
  const trimmed = text.trim();
  if (trimmed === "" || /^\[?n\/a\]?$/i.test(trimmed) || trimmed.startsWith("[")) return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : null;
}

/**
 * `nvidia-smi --query-gpu=index,name,memory.total,memory.free,utilization.gpu,temperature.gpu
 * --format=csv,noheader,nounits`: one line per GPU, memory in MiB. Lines that are not GPUs
 * (an error message) are skipped.
 */
export function parseNvidiaSmi(text: string): GpuStatus[] {
  const gpus: GpuStatus[] = [];
  for (const line of text.split(/\r?\n/)) {
    const fields = line.split(",").map((field) => field.trim());
    if (fields.length < 6) continue;
    const index = Number(fields[0]);
    if (!Number.isInteger(index) || index < 0 || fields[0] === "") continue;
    // A product name never has a comma today, but if one did, the numbers are still the last four.
    const numbers = fields.slice(-4);
    const total = reading(numbers[0]);
    const free = reading(numbers[1]);
    gpus.push({
      index,
      name: fields.slice(1, -4).join(", "),
      vendor: "nvidia",
      vramTotalMb: total,
      vramFreeMb: free === null || total === null ? free : Math.min(free, total),
      utilizationPct: reading(numbers[2]),
      temperatureC: reading(numbers[3]),
    });
  }
  return gpus;
}

const ROCM_NAME_KEYS = ["Card Series", "Card series", "Device Name", "Card Model", "Card model"];
const ROCM_TEMPERATURE_KEYS = [
  "Temperature (Sensor edge) (C)",
  "Temperature (Sensor junction) (C)",
  "Temperature (Sensor memory) (C)",
];

function text(value: unknown): string | undefined {
  return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
}

/**
 * `rocm-smi --showproductname --showmeminfo vram --showuse --showtemp --json`: an object with
 * one `cardN` entry per GPU (values are strings, VRAM in bytes) and maybe a `system` entry.
 * Older releases print warnings before the JSON; they are skipped.
 */
export function parseRocmSmi(output: string): GpuStatus[] {
  const start = output.indexOf("{");
  if (start < 0) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(output.slice(start));
  } catch {
    return [];
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return [];
  const gpus: GpuStatus[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    const match = /^card(\d+)$/.exec(key);
    if (match === null || typeof value !== "object" || value === null) continue;
    const card = value as Record<string, unknown>;
    const index = Number(match[1]);
    const name = ROCM_NAME_KEYS.map((name) => text(card[name])?.trim()).find(
      (name) => name !== undefined && name !== "" && !/^n\/a$/i.test(name),
    );
    const totalBytes = reading(text(card["VRAM Total Memory (B)"]));
    const usedBytes = reading(text(card["VRAM Total Used Memory (B)"]));
    const totalMb = totalBytes === null ? null : Math.round(totalBytes / MB);
    const freeMb =
      // Rounded down: routing must not count on VRAM that is not there.
      totalBytes === null || usedBytes === null
        ? null
        : Math.max(0, Math.floor((totalBytes - usedBytes) / MB));
    const temperature = ROCM_TEMPERATURE_KEYS.map((name) => reading(text(card[name]))).find(
      (value) => value !== null,
    );
    gpus.push({
      index,
      name: name ?? `AMD GPU ${index}`,
      vendor: "amd",
      vramTotalMb: totalMb,
      vramFreeMb: freeMb,
      utilizationPct: reading(text(card["GPU use (%)"])),
      temperatureC: temperature ?? null,
    });
  }
  return gpus.sort((a, b) => a.index - b.index);
}

/** Runs a tool and resolves to its stdout; rejects when it is missing, fails or runs too long. */
export type ToolRunner = (file: string, args: readonly string[], timeoutMs: number) => Promise<string>;

export const execTool: ToolRunner = (file, args, timeoutMs) =>
  new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      { timeout: timeoutMs, maxBuffer: 4 * MB, windowsHide: true },
      (error, stdout) => {
        if (error) reject(error);
        else resolve(stdout);
      },
    );
  });

export interface GpuCollectorOptions {
  run?: ToolRunner;
  /** Deadline of one tool run. */
  timeoutMs?: number;
  /** Told once per tool when it fails for another reason than being absent. */
  onToolError?: (tool: string, error: Error) => void;
}

interface Tool {
  file: string;
  args: readonly string[];
  parse: (output: string) => GpuStatus[];
}

const TOOLS: readonly Tool[] = [
  { file: "nvidia-smi", args: NVIDIA_SMI_ARGS, parse: parseNvidiaSmi },
  { file: "rocm-smi", args: ROCM_SMI_ARGS, parse: parseRocmSmi },
];

export class GpuCollector {
  readonly #run: ToolRunner;
  readonly #timeoutMs: number;
  readonly #onToolError: ((tool: string, error: Error) => void) | undefined;
  /** Tools not installed here: not looked for again on every heartbeat. */
  readonly #absent = new Set<string>();
  readonly #reported = new Set<string>();

  constructor(options: GpuCollectorOptions = {}) {
    this.#run = options.run ?? execTool;
    this.#timeoutMs = options.timeoutMs ?? 3_000;
    this.#onToolError = options.onToolError;
  }

  async collect(): Promise<GpuStatus[]> {
    const results = await Promise.all(TOOLS.map((tool) => this.#collectWith(tool)));
    return results.flat();
  }

  async #collectWith(tool: Tool): Promise<GpuStatus[]> {
    if (this.#absent.has(tool.file)) return [];
    try {
      const gpus = tool.parse(await this.#run(tool.file, tool.args, this.#timeoutMs));
      this.#reported.delete(tool.file);
      return gpus;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        this.#absent.add(tool.file);
      } else if (!this.#reported.has(tool.file)) {
        this.#reported.add(tool.file);
        this.#onToolError?.(tool.file, error as Error);
      }
      return [];
    }
  }
}
