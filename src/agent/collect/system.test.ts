import os from "node:os";
import { describe, expect, it } from "vitest";
import { cpuPercent, cpuTimes, diskUsage, SystemSampler } from "./system.js";

function cpu(user: number, idle: number): os.CpuInfo {
  return { model: "test", speed: 1000, times: { user, nice: 0, sys: 0, idle, irq: 0 } };
}

describe("CPU use", () => {
  it("is the busy share of all cores between two samples", () => {
    const before = cpuTimes([cpu(100, 900), cpu(100, 900)]);
    const after = cpuTimes([cpu(250, 950), cpu(175, 925)]);
    // busy +225 of +300 in total.
    expect(cpuPercent(before, after)).toBe(75);
  });

  it("is 0 when no time passed or the counters went back (a reset)", () => {
    const sample = cpuTimes([cpu(100, 900)]);
    expect(cpuPercent(sample, sample)).toBe(0);
    expect(cpuPercent(sample, cpuTimes([cpu(10, 10)]))).toBe(0);
  });
});

describe("SystemSampler", () => {
  it("reports this machine's CPU, memory and disk", async () => {
    const status = await new SystemSampler({ diskPath: os.tmpdir() }).sample();
    expect(status.hostname).toBe(os.hostname());
    expect(status.cpuCount).toBe(os.cpus().length);
    expect(status.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(status.cpuPercent).toBeLessThanOrEqual(100);
    expect(status.memTotalMb).toBeGreaterThan(0);
    expect(status.memFreeMb).toBeLessThanOrEqual(status.memTotalMb);
    expect(status.diskTotalMb).toBeGreaterThan(0);
    expect(status.diskFreeMb).toBeLessThanOrEqual(status.diskTotalMb);
  });

  it("reports 0 disk for a path that does not exist rather than failing the heartbeat", async () => {
    expect(await diskUsage("/no/such/hydra/path")).toEqual({ totalMb: 0, freeMb: 0 });
  });
});
