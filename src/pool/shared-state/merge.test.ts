import { describe, expect, it } from "vitest";
import type { HealthChange } from "../health/monitor.js";
import type { LearnedStatsSnapshot } from "../router/learned-stats.js";
import {
  announcementOf,
  fromSharedStats,
  liveEjections,
  MAX_REMOTE_EJECTION_MS,
  mergeStatsSnapshots,
  remoteEjectionUntil,
  toSharedStats,
} from "./merge.js";
import { encodeEjection } from "./messages.js";

const keys: Record<string, string> = { gpu: "http://gpu-box:11434", cpu: "http://cpu-box:11434" };
const names = Object.fromEntries(Object.entries(keys).map(([name, key]) => [key, name]));

const local: LearnedStatsSnapshot = {
  version: 1,
  nodes: {
    gpu: { "llama3.2:3b": { prefillTps: 900, decodeTps: 60, samples: 10 } },
    cpu: { "llama3.2:3b": { decodeTps: 8, samples: 2 } },
    "not-shared": { "llama3.2:3b": { decodeTps: 1, samples: 1 } },
  },
  models: { "llama3.2:3b": { decodeTps: 40, outputTokens: 100, samples: 13 } },
};

describe("toSharedStats / fromSharedStats", () => {
  it("key nodes by URL for Redis and back by this gateway's names, leaving out nodes without a match", () => {
    const shared = toSharedStats(local, (name) => keys[name]);
    expect(Object.keys(shared.nodes).sort()).toEqual(["http://cpu-box:11434", "http://gpu-box:11434"]);
    expect(shared.nodes["http://gpu-box:11434"]).toEqual(local.nodes.gpu);
    expect(shared.models).toEqual(local.models);

    const back = fromSharedStats(shared, (key) => names[key]);
    expect(back.nodes).toEqual({ gpu: local.nodes.gpu, cpu: local.nodes.cpu });
  });

  it("let another gateway's names for the same URLs map onto this one's", () => {
    const theirs = toSharedStats(
      { version: 1, nodes: { "gpu-box:11434": { m: { decodeTps: 5, samples: 1 } } }, models: {} },
      () => "http://gpu-box:11434",
    );
    expect(fromSharedStats(theirs, (key) => names[key]).nodes).toEqual({
      gpu: { m: { decodeTps: 5, samples: 1 } },
    });
  });
});

describe("mergeStatsSnapshots", () => {
  it("takes, per node × model and per model, the side with more samples", () => {
    const remote: LearnedStatsSnapshot = {
      version: 1,
      nodes: {
        gpu: { "llama3.2:3b": { prefillTps: 1, decodeTps: 1, samples: 4 } },
        cpu: { "llama3.2:3b": { decodeTps: 9, samples: 50 }, "qwen:7b": { decodeTps: 3, samples: 1 } },
        other: { m: { decodeTps: 2, samples: 1 } },
      },
      models: { "llama3.2:3b": { decodeTps: 41, samples: 99 }, "qwen:7b": { decodeTps: 3, samples: 1 } },
    };
    const merged = mergeStatsSnapshots(local, remote);
    expect(merged.nodes.gpu).toEqual(local.nodes.gpu);
    expect(merged.nodes.cpu).toEqual({
      "llama3.2:3b": { decodeTps: 9, samples: 50 },
      "qwen:7b": { decodeTps: 3, samples: 1 },
    });
    expect(merged.nodes.other).toEqual(remote.nodes.other);
    expect(merged.nodes["not-shared"]).toEqual(local.nodes["not-shared"]);
    expect(merged.models).toEqual({
      "llama3.2:3b": { decodeTps: 41, samples: 99 },
      "qwen:7b": { decodeTps: 3, samples: 1 },
    });
  });

  it("keeps this gateway's values on a tie, and copies rather than shares objects", () => {
    const remote: LearnedStatsSnapshot = {
      version: 1,
      nodes: { gpu: { "llama3.2:3b": { decodeTps: 1, samples: 10 } } },
      models: {},
    };
    const merged = mergeStatsSnapshots(local, remote);
    expect(merged.nodes.gpu?.["llama3.2:3b"]).toEqual(local.nodes.gpu?.["llama3.2:3b"]);
    expect(merged.nodes.gpu?.["llama3.2:3b"]).not.toBe(local.nodes.gpu?.["llama3.2:3b"]);
  });

  it("is the other side when one side is empty", () => {
    const empty: LearnedStatsSnapshot = { version: 1, nodes: {}, models: {} };
    expect(mergeStatsSnapshots(empty, local)).toEqual({ ...local, hardware: {} });
    expect(mergeStatsSnapshots(local, empty)).toEqual({ ...local, hardware: {} });
  });

  it("takes each node's hardware rates from the side with more samples, renamed like the rest", () => {
    const mine: LearnedStatsSnapshot = {
      version: 1,
      nodes: {},
      models: {},
      hardware: { gpu: { decodeMbTps: 500_000, samples: 9 }, cpu: { decodeMbTps: 50_000, samples: 1 } },
    };
    const theirs: LearnedStatsSnapshot = {
      version: 1,
      nodes: {},
      models: {},
      hardware: { gpu: { decodeMbTps: 400_000, samples: 2 }, cpu: { decodeMbTps: 60_000, samples: 5 } },
    };
    expect(mergeStatsSnapshots(mine, theirs).hardware).toEqual({
      gpu: { decodeMbTps: 500_000, samples: 9 },
      cpu: { decodeMbTps: 60_000, samples: 5 },
    });
    const shared = toSharedStats(mine, (name) => (name === "gpu" ? "http://10.0.0.1:11434" : undefined));
    expect(shared.hardware).toEqual({ "http://10.0.0.1:11434": { decodeMbTps: 500_000, samples: 9 } });
  });

  it("keeps a model named __proto__ as data", () => {
    const remote = JSON.parse(
      '{"version":1,"nodes":{"gpu":{"__proto__":{"samples":1}}},"models":{"__proto__":{"samples":1}}}',
    ) as LearnedStatsSnapshot;
    const merged = mergeStatsSnapshots({ version: 1, nodes: {}, models: {} }, remote);
    expect(Object.hasOwn(merged.models, "__proto__")).toBe(true);
    expect(Object.hasOwn(merged.nodes.gpu ?? {}, "__proto__")).toBe(true);
  });
});

describe("announcementOf", () => {
  const change = (from: HealthChange["from"], to: HealthChange["to"], remote?: true): HealthChange => ({
    node: "gpu",
    from,
    to,
    reason: "r",
    at: 0,
    ...(remote ? { remote } : {}),
  });

  it("announces this gateway's ejections, first or after a failed probe", () => {
    expect(announcementOf(change("closed", "open"))).toBe("eject");
    expect(announcementOf(change("degraded", "open"))).toBe("eject");
    expect(announcementOf(change("half-open", "open"))).toBe("eject");
  });

  it("announces readmissions only: a probe that succeeded", () => {
    expect(announcementOf(change("half-open", "closed"))).toBe("recover");
    expect(announcementOf(change("degraded", "closed"))).toBeUndefined();
    expect(announcementOf(change("open", "half-open"))).toBeUndefined();
    expect(announcementOf(change("closed", "degraded"))).toBeUndefined();
  });

  it("never announces what another gateway caused (no echo)", () => {
    expect(announcementOf(change("closed", "open", true))).toBeUndefined();
    expect(announcementOf(change("open", "half-open", true))).toBeUndefined();
    expect(announcementOf(change("half-open", "closed", true))).toBeUndefined();
  });
});

describe("remoteEjectionUntil", () => {
  it("keeps a time in the future, drops one that is over", () => {
    expect(remoteEjectionUntil(1_500, 1_000)).toBe(1_500);
    expect(remoteEjectionUntil(1_000, 1_000)).toBeUndefined();
    expect(remoteEjectionUntil(500, 1_000)).toBeUndefined();
  });

  it("holds a node out at most MAX_REMOTE_EJECTION_MS on another gateway's word", () => {
    expect(remoteEjectionUntil(1_000 + 10 * MAX_REMOTE_EJECTION_MS, 1_000)).toBe(
      1_000 + MAX_REMOTE_EJECTION_MS,
    );
  });
});

describe("liveEjections", () => {
  const entry = (from: string, openUntil: number) =>
    encodeEjection({ v: 1, from, openUntil, reason: `by ${from}` });

  it("returns the entries still running, skips this gateway's own and counts the invalid ones", () => {
    const fields = {
      "http://a:11434": entry("gw-2", 5_000),
      "http://b:11434": entry("gw-2", 900),
      "http://c:11434": entry("gw-self", 5_000),
      "http://d:11434": "garbage",
      "http://e:11434": entry("gw-3", 1_000 + 2 * MAX_REMOTE_EJECTION_MS),
    };
    expect(liveEjections(fields, 1_000, "gw-self")).toEqual({
      live: [
        { key: "http://a:11434", openUntil: 5_000, reason: "by gw-2" },
        { key: "http://e:11434", openUntil: 1_000 + MAX_REMOTE_EJECTION_MS, reason: "by gw-3" },
      ],
      invalid: 1,
    });
  });

  it("is empty for an empty hash", () => {
    expect(liveEjections({}, 0, "x")).toEqual({ live: [], invalid: 0 });
  });
});
