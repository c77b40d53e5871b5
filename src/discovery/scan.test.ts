import { setImmediate as nextTurn } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors.js";
import type { DiscoveredNode, ProbeFn } from "./probe.js";
import { compareNodes, planScan, type ScanProgress, scanNetwork } from "./scan.js";

const noLocal = new Set<string>();

/** A probe answering from a table of URLs, after a turn of the event loop (like real I/O). */
function tableProbe(table: Record<string, Omit<DiscoveredNode, "url">>): ProbeFn & { calls: string[] } {
  const calls: string[] = [];
  const probe: ProbeFn = async (url) => {
    calls.push(url);
    await nextTurn();
    const hit = table[url];
    return hit === undefined ? undefined : { url, ...hit };
  };
  return Object.assign(probe, { calls });
}

const node = { version: "0.12.6", models: ["llama3.2:3b"] };

describe("planScan", () => {
  it("lists each host once, in target order, even where ranges overlap", () => {
    const plan = planScan(["10.0.0.0/30", "10.0.0.2", "localhost", "10.0.0.1"], [11434, 11434, 8080]);
    expect(plan.hosts).toEqual(["10.0.0.1", "10.0.0.2", "localhost"]);
    expect(plan.ports).toEqual([11434, 8080]);
    expect(plan.total).toBe(6);
  });

  it("refuses a bad target or port before anything is probed", () => {
    expect(() => planScan(["10.0.0.0/8"], [11434])).toThrow(ConfigError);
    expect(() => planScan(["10.0.0.1"], [])).toThrow(/no port/);
    expect(() => planScan(["10.0.0.1"], [0])).toThrow(/not a port/);
    expect(() => planScan(["10.0.0.1"], [70000])).toThrow(/not a port/);
  });
});

describe("scanNetwork", () => {
  it("probes every host on every port and returns the nodes sorted by address, then port", async () => {
    const probe = tableProbe({
      "http://10.0.0.10:11435": node,
      "http://10.0.0.2:11434": node,
      "http://10.0.0.10:11434": node,
    });
    const found = await scanNetwork({
      targets: ["10.0.0.0/28"],
      ports: [11434, 11435],
      concurrency: 4,
      timeoutMs: 100,
      probe,
      localAddresses: noLocal,
    });
    expect(probe.calls).toHaveLength(28);
    expect(found.map((entry) => entry.url)).toEqual([
      "http://10.0.0.2:11434",
      "http://10.0.0.10:11434",
      "http://10.0.0.10:11435",
    ]);
  });

  it("never has more probes in flight than the concurrency, and uses all of it", async () => {
    let inFlight = 0;
    let most = 0;
    const probe: ProbeFn = async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await nextTurn();
      await nextTurn();
      inFlight--;
      return undefined;
    };
    await scanNetwork({ targets: ["10.0.0.0/24"], ports: [11434], concurrency: 7, timeoutMs: 100, probe });
    expect(most).toBe(7);
  });

  it("scans a whole /16 with a bounded number of probes in flight", async () => {
    let inFlight = 0;
    let most = 0;
    let calls = 0;
    const probe: ProbeFn = async () => {
      calls++;
      inFlight++;
      most = Math.max(most, inFlight);
      await Promise.resolve();
      inFlight--;
      return undefined;
    };
    await scanNetwork({ targets: ["10.9.0.0/16"], ports: [11434], concurrency: 64, timeoutMs: 100, probe });
    expect(calls).toBe(65_534);
    expect(most).toBe(64);
  });

  it("reports progress after each probe, ending at the total", async () => {
    const progress: ScanProgress[] = [];
    await scanNetwork({
      targets: ["10.0.0.0/29"],
      ports: [1],
      concurrency: 2,
      timeoutMs: 100,
      probe: tableProbe({ "http://10.0.0.3:1": node }),
      localAddresses: noLocal,
      onProgress: (entry) => progress.push(entry),
    });
    expect(progress).toHaveLength(6);
    expect(progress.map((entry) => entry.probed)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(progress.at(-1)).toEqual({ probed: 6, total: 6, found: 1 });
  });

  it("reports one node once under its first spelling when several spellings reach it", async () => {
    const found: DiscoveredNode[] = [];
    const result = await scanNetwork({
      targets: ["localhost", "127.0.0.1", "192.168.1.5", "::1"],
      ports: [11434],
      concurrency: 4,
      timeoutMs: 100,
      localAddresses: new Set(["192.168.1.5"]),
      probe: tableProbe({
        "http://localhost:11434": node,
        "http://127.0.0.1:11434": node,
        "http://192.168.1.5:11434": node,
        "http://[::1]:11434": node,
      }),
      onFound: (entry) => found.push(entry),
    });
    expect(result.map((entry) => entry.url)).toEqual(["http://localhost:11434"]);
    expect(found).toHaveLength(1);
  });

  it("keeps 127.0.0.2 and 127.0.0.3 apart", async () => {
    const result = await scanNetwork({
      targets: ["127.0.0.2", "127.0.0.3"],
      ports: [11434],
      concurrency: 2,
      timeoutMs: 100,
      probe: tableProbe({ "http://127.0.0.2:11434": node, "http://127.0.0.3:11434": node }),
    });
    expect(result).toHaveLength(2);
  });

  it("treats a probe that throws as no node", async () => {
    const result = await scanNetwork({
      targets: ["10.0.0.1"],
      ports: [1],
      concurrency: 1,
      timeoutMs: 100,
      probe: async () => {
        throw new Error("boom");
      },
    });
    expect(result).toEqual([]);
  });

  it("stops on abort: probes in flight see it, no new one starts, the scan rejects", async () => {
    const controller = new AbortController();
    let started = 0;
    const probe: ProbeFn = (_url, { signal }) => {
      started++;
      return new Promise((resolve) => signal?.addEventListener("abort", () => resolve(undefined)));
    };
    const scan = scanNetwork({
      targets: ["10.0.0.0/24"],
      ports: [1],
      concurrency: 3,
      timeoutMs: 100,
      probe,
      signal: controller.signal,
    });
    await nextTurn();
    controller.abort(new Error("enough"));
    await expect(scan).rejects.toThrow("enough");
    expect(started).toBe(3);
  });

  it("refuses bad options with a config error", async () => {
    const base = { targets: ["10.0.0.1"], ports: [1], concurrency: 1, timeoutMs: 100 };
    await expect(scanNetwork({ ...base, concurrency: 0 })).rejects.toThrow(ConfigError);
    await expect(scanNetwork({ ...base, timeoutMs: 0 })).rejects.toThrow(ConfigError);
    await expect(scanNetwork({ ...base, targets: ["300.0.0.1"] })).rejects.toThrow(/not an IPv4 address/);
  });

  it("stops the other workers and rethrows when onProgress throws", async () => {
    let calls = 0;
    const scan = scanNetwork({
      targets: ["10.0.0.0/24"],
      ports: [1],
      concurrency: 4,
      timeoutMs: 100,
      probe: async () => {
        calls++;
        await nextTurn();
        return undefined;
      },
      onProgress: () => {
        throw new Error("render failed");
      },
    });
    await expect(scan).rejects.toThrow("render failed");
    expect(calls).toBeLessThan(10);
  });
});

describe("compareNodes", () => {
  it("orders IPv4 numerically, then IPv6, then host names, then ports", () => {
    const urls = [
      "http://gpu-box:11434",
      "http://[::1]:11434",
      "http://10.0.0.10:11434",
      "http://10.0.0.9:11435",
      "http://10.0.0.9:11434",
      "http://10.0.0.9:80",
    ];
    const sorted = urls.map((url) => ({ url, version: "1", models: [] })).sort(compareNodes);
    expect(sorted.map((entry) => entry.url)).toEqual([
      "http://10.0.0.9:80",
      "http://10.0.0.9:11434",
      "http://10.0.0.9:11435",
      "http://10.0.0.10:11434",
      "http://[::1]:11434",
      "http://gpu-box:11434",
    ]);
  });
});
