/**
 * The machine's CPU, memory and disk, as the agent reports them. CPU use is the busy share
 * of all cores between two samples (one per heartbeat), so it reflects the last interval.
 */
import { statfs } from "node:fs/promises";
import os from "node:os";
import type { SystemStatus } from "../protocol.js";

const MB = 1024 * 1024;

/** Summed core times, in ms, from os.cpus(). */
export interface CpuTimes {
  busy: number;
  total: number;
}

export function cpuTimes(cpus: readonly os.CpuInfo[]): CpuTimes {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}

/** Busy percentage between two samples, 0-100; 0 when no time passed (or the counters reset). */
export function cpuPercent(previous: CpuTimes, next: CpuTimes): number {
  const total = next.total - previous.total;
  const busy = next.busy - previous.busy;
  if (total <= 0 || busy < 0) return 0;
  return Math.min(100, Math.round((busy / total) * 1000) / 10);
}

export interface SystemSamplerOptions {
  /** A path on the filesystem to report (where the models are stored). */
  diskPath: string;
}

export class SystemSampler {
  readonly #diskPath: string;
  #previous: CpuTimes;

  constructor(options: SystemSamplerOptions) {
    this.#diskPath = options.diskPath;
    this.#previous = cpuTimes(os.cpus());
  }

  async sample(): Promise<SystemStatus> {
    const cpus = os.cpus();
    const times = cpuTimes(cpus);
    const percent = cpuPercent(this.#previous, times);
    this.#previous = times;
    const disk = await diskUsage(this.#diskPath);
    return {
      hostname: os.hostname(),
      platform: `${os.platform()}-${os.arch()}`,
      cpuCount: cpus.length,
      load1: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
      cpuPercent: percent,
      memTotalMb: Math.round(os.totalmem() / MB),
      memFreeMb: Math.round(os.freemem() / MB),
      diskTotalMb: disk.totalMb,
      diskFreeMb: disk.freeMb,
    };
  }
}

/** Size and space left (for unprivileged users) of the filesystem holding `path`; 0/0 when unreadable. */
export async function diskUsage(path: string): Promise<{ totalMb: number; freeMb: number }> {
  try {
    const stats = await statfs(path);
    return {
      totalMb: Math.round((stats.blocks * stats.bsize) / MB),
      freeMb: Math.round((stats.bavail * stats.bsize) / MB),
    };
  } catch {
    return { totalMb: 0, freeMb: 0 };
  }
}
