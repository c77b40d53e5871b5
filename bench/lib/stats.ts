/** Small helpers the benches share: command-line numbers, rounding, medians, the machine's description. */
import { cpus, loadavg } from "node:os";

/** `--name <number>` from the command line, or `fallback`. */
export function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

/** Progress on stderr, one line. */
export const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

export const round = (value: number, digits = 4): number => Math.round(value * 10 ** digits) / 10 ** digits;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** CPU, Node and the load average before the bench (`loadBefore`, from `loadavg()`) and now. */
export function machineWithLoad(loadBefore: readonly number[]) {
  return {
    cpus: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    node: process.version,
    loadAverage: { before: loadBefore.map((v) => round(v, 2)), after: loadavg().map((v) => round(v, 2)) },
  };
}
