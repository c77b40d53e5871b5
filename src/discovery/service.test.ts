import { once } from "node:events";
import { setImmediate as nextTurn } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { type DiscoveryConfigInput, discoveryConfigSchema } from "./config.js";
import type { DiscoveredNode, ProbeFn } from "./probe.js";
import { DiscoveryService, type DiscoveryServiceOptions, type ScanSummary } from "./service.js";

const services: DiscoveryService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.stop()));
});

/** Answers as an Ollama on the URLs given, after a turn of the event loop. */
function fakeNetwork(urls: string[]): ProbeFn {
  return async (url) => {
    await nextTurn();
    return urls.includes(url) ? { url, version: "0.12.6", models: ["llama3.2:3b"] } : undefined;
  };
}

function service(
  config: DiscoveryConfigInput,
  options: Partial<Omit<DiscoveryServiceOptions, "config">> = {},
): { service: DiscoveryService; found: DiscoveredNode[]; scans: ScanSummary[] } {
  const created = new DiscoveryService({
    config: discoveryConfigSchema.parse(config),
    isKnown: () => false,
    localAddresses: new Set(),
    probe: fakeNetwork(["http://10.0.0.2:11434", "http://10.0.0.3:11434"]),
    ...options,
  });
  services.push(created);
  const found: DiscoveredNode[] = [];
  const scans: ScanSummary[] = [];
  created.on("found", (node) => found.push(node));
  created.on("scan", (summary) => scans.push(summary));
  return { service: created, found, scans };
}

describe("DiscoveryService", () => {
  it("announces each node once across passes", async () => {
    const { service: discovery, found, scans } = service({ scan: ["10.0.0.0/29"] });
    const first = await discovery.scanOnce();
    const second = await discovery.scanOnce();
    expect(found.map((node) => node.url)).toEqual(["http://10.0.0.2:11434", "http://10.0.0.3:11434"]);
    expect(first.announced).toBe(2);
    expect(second.announced).toBe(0);
    expect(second.found).toBe(2);
    expect(scans.map(({ probed, found: count, announced }) => ({ probed, count, announced }))).toEqual([
      { probed: 6, count: 2, announced: 2 },
      { probed: 6, count: 2, announced: 0 },
    ]);
  });

  it("does not announce a node the caller already knows", async () => {
    const { service: discovery, found } = service(
      { scan: ["10.0.0.0/29"] },
      { isKnown: (url) => url === "http://10.0.0.3:11434" },
    );
    await discovery.scanOnce();
    expect(found.map((node) => node.url)).toEqual(["http://10.0.0.2:11434"]);
  });

  it("announces a forgotten node again", async () => {
    const { service: discovery, found } = service({ scan: ["10.0.0.2"] });
    await discovery.scanOnce();
    discovery.forget("10.0.0.2:11434");
    await discovery.scanOnce();
    expect(found).toHaveLength(2);
  });

  it("runs passes one at a time: a second call joins the pass in flight", async () => {
    let probes = 0;
    const { service: discovery } = service(
      { scan: ["10.0.0.2"] },
      {
        probe: async () => {
          probes++;
          await nextTurn();
          return undefined;
        },
      },
    );
    const [a, b] = await Promise.all([discovery.scanOnce(), discovery.scanOnce()]);
    expect(a).toBe(b);
    expect(probes).toBe(1);
  });

  it("scans at start, then again after the interval", async () => {
    const { service: discovery, scans } = service({ scan: ["10.0.0.0/30"], intervalMs: 1 });
    discovery.start();
    await once(discovery, "scan");
    await once(discovery, "scan");
    expect(scans.length).toBeGreaterThanOrEqual(2);
  });

  it("stays idle with no range configured", async () => {
    let probes = 0;
    const { service: discovery } = service(
      {},
      {
        probe: async () => {
          probes++;
          return undefined;
        },
      },
    );
    expect(discovery.enabled).toBe(false);
    discovery.start();
    await nextTurn();
    expect(probes).toBe(0);
  });

  it("stop() aborts the pass in flight, resolves when it has ended, and schedules nothing", async () => {
    let aborted = 0;
    let started = 0;
    const { service: discovery, scans } = service(
      { scan: ["10.0.0.0/24"], concurrency: 4, intervalMs: 1 },
      {
        probe: (_url, { signal }) => {
          started++;
          return new Promise((resolve) =>
            signal?.addEventListener("abort", () => {
              aborted++;
              resolve(undefined);
            }),
          );
        },
      },
    );
    discovery.start();
    await nextTurn();
    expect(started).toBe(4);
    await discovery.stop();
    expect(aborted).toBe(4);
    expect(scans).toEqual([]);
    await nextTurn();
    expect(started).toBe(4);
  });

  it("reports a failed pass and keeps its schedule", async () => {
    const { service: discovery } = service(
      { scan: ["10.0.0.2"], intervalMs: 1 },
      {
        isKnown: () => {
          throw new Error("pool unavailable");
        },
      },
    );
    discovery.start();
    const [failure] = await once(discovery, "failed");
    expect(failure).toEqual({ message: "pool unavailable" });
    await once(discovery, "failed");
  });
});
