/**
 * RedisSharedState against the real Redis (127.0.0.1:6379): gateways reduced to what is shared
 * (learned statistics and a health monitor each), so every rule shows without HTTP in between.
 * The end-to-end behaviour through real gateways is in tests/gateway/shared-state.test.ts.
 */
import { once } from "node:events";
import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closedPort } from "../../../tests/helpers/net.js";
import {
  deleteRedisKeys,
  REDIS_URL,
  requireRedis,
  uniqueRedisPrefix,
} from "../../../tests/helpers/services.js";
import { healthConfigSchema } from "../health/config.js";
import { type HealthChange, HealthMonitor } from "../health/monitor.js";
import { LearnedStats } from "../router/learned-stats.js";
import { decodeMessage, type SharedMessage } from "./messages.js";
import type { NamedNode } from "./node-identity.js";
import { RedisSharedState, type RedisSharedStateOptions } from "./redis-sync.js";

const redis = await requireRedis();

const SECOND = 1e9;
const MODEL = "llama3.2:3b";
const sample = {
  prompt_eval_count: 400,
  prompt_eval_duration: SECOND,
  eval_count: 64,
  eval_duration: 2 * SECOND,
};

interface LogLine {
  level: "warn" | "info" | "debug";
  msg: string;
}

function recordingLog() {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine["level"]) =>
    (obj: unknown, msg?: string): void => {
      lines.push({ level, msg: typeof obj === "string" ? obj : (msg ?? "") });
    };
  return { lines, log: { warn: at("warn"), info: at("info"), debug: at("debug") } };
}

describe.skipIf(!redis.available)("RedisSharedState with the real Redis", () => {
  let prefix: string;
  let cleanups: (() => Promise<void>)[] = [];
  let admin: Redis;

  beforeEach(async () => {
    prefix = uniqueRedisPrefix("sync");
    admin = new Redis(REDIS_URL, { lazyConnect: true });
    await admin.connect();
  });

  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups = [];
    admin.disconnect();
    await deleteRedisKeys(prefix);
  });

  /** One gateway's shared parts: its own names for the nodes, a health monitor that is not started. */
  function gateway(nodes: NamedNode[], options: Partial<RedisSharedStateOptions> = {}) {
    const stats = new LearnedStats();
    // The monitor's clock can be moved ahead (to end an ejection now); the sync keeps real time.
    const clock = { skewMs: 0 };
    const health = new HealthMonitor({
      nodes,
      config: healthConfigSchema.parse({}),
      probe: async () => {},
      now: () => Date.now() + clock.skewMs,
    });
    const changes: HealthChange[] = [];
    health.on("change", (change) => changes.push(change));
    const { lines, log } = recordingLog();
    const sync = new RedisSharedState({
      url: REDIS_URL,
      keyPrefix: prefix,
      snapshotIntervalMs: 60_000,
      stats,
      health,
      nodes: () => nodes,
      log,
      ...options,
    });
    const messages: { message: SharedMessage; node: string | undefined; applied: boolean }[] = [];
    sync.on("message", (handled) => messages.push(handled));
    cleanups.push(async () => {
      await sync.stop();
      await health.stop();
    });
    return { stats, health, clock, sync, changes, logLines: lines, messages };
  }

  /** Everything published under the prefix, as a third party sees it. */
  async function spy() {
    const client = new Redis(REDIS_URL, { lazyConnect: true });
    await client.connect();
    const seen: SharedMessage[] = [];
    client.on("message", (_channel: string, raw: string) => {
      const decoded = decodeMessage(raw);
      if (decoded.ok) seen.push(decoded.value);
    });
    await client.subscribe(`${prefix}samples`, `${prefix}health`);
    cleanups.push(async () => client.disconnect());
    return seen;
  }

  /** The ids of a sync's two connections, from CLIENT LIST (they carry the instance id as their name). */
  async function connectionIds(sync: RedisSharedState): Promise<string[]> {
    const list = (await admin.client("LIST")) as string;
    return list
      .split("\n")
      .filter((line) => line.includes(`name=hydra:${sync.instanceId}:`))
      .map((line) => /(?:^| )id=(\d+)/.exec(line)?.[1] ?? "");
  }

  const nodesA: NamedNode[] = [
    { name: "gpu", url: "http://gpu-box:11434" },
    { name: "cpu", url: "http://cpu-box:11434" },
    { name: "edge", url: "http://edge:11434" },
  ];
  // The other gateway's config spells the same nodes differently and names them otherwise.
  const nodesB: NamedNode[] = [
    { name: "gpu-box:11434", url: "gpu-box" },
    { name: "cpu-box:11434", url: "http://cpu-box:11434/" },
    { name: "edge:11434", url: "edge:11434" },
  ];

  it("folds another gateway's samples in under this gateway's name for the same URL, and publishes none back", async () => {
    const seen = await spy();
    const a = gateway(nodesA);
    const b = gateway(nodesB);
    await Promise.all([a.sync.start(), b.sync.start()]);
    expect([a.sync.connected, b.sync.connected]).toEqual([true, true]);

    for (let i = 0; i < 5; i++) a.stats.record("gpu", MODEL, { ...sample, eval_count: 64 + i });
    await expect.poll(() => b.stats.pair("gpu-box:11434", MODEL)?.samples).toBe(5);
    expect(b.stats.pair("gpu-box:11434", MODEL)).toEqual(a.stats.pair("gpu", MODEL));
    expect(b.stats.model(MODEL)).toEqual(a.stats.model(MODEL));
    expect(b.messages.every((handled) => handled.applied && handled.node === "gpu-box:11434")).toBe(true);
    // Only A's five: B folded them in without publishing, and A skipped its own.
    await expect.poll(() => seen.length).toBe(5);
    expect(seen.every((message) => message.type === "sample" && message.url === "http://gpu-box:11434")).toBe(
      true,
    );
    expect(a.messages).toEqual([]);
  });

  it("ignores samples for nodes it does not have, and messages that are not Hydra's", async () => {
    const a = gateway(nodesA);
    const b = gateway(nodesB.slice(0, 1));
    await Promise.all([a.sync.start(), b.sync.start()]);
    a.stats.record("cpu", MODEL, sample);
    await admin.publish(`${prefix}samples`, "hello");
    await admin.publish(`${prefix}health`, JSON.stringify({ v: 9, type: "eject" }));
    a.stats.record("gpu", MODEL, sample);
    await expect.poll(() => b.messages.length).toBe(2);
    expect(b.messages.map(({ node, applied }) => [node, applied])).toEqual([
      [undefined, false],
      ["gpu-box:11434", true],
    ]);
    expect(b.stats.snapshot().nodes).toEqual({ "gpu-box:11434": { [MODEL]: expect.any(Object) } });
  });

  it("ejects a node on the other gateway until the same time, and lets it probe at once on readmission", async () => {
    const seen = await spy();
    const a = gateway(nodesA);
    const b = gateway(nodesB);
    await Promise.all([a.sync.start(), b.sync.start()]);

    for (let i = 0; i < 3; i++) a.health.report("cpu", "connect");
    const openUntil = a.health.state("cpu")?.openUntil;
    expect(openUntil).toBeGreaterThan(Date.now());
    await expect.poll(() => b.health.state("cpu-box:11434")?.breaker).toBe("open");
    expect(b.health.state("cpu-box:11434")?.openUntil).toBe(openUntil);
    expect(b.changes).toMatchObject([{ node: "cpu-box:11434", from: "closed", to: "open", remote: true }]);
    expect(JSON.parse((await admin.hget(`${prefix}ejections`, "http://cpu-box:11434")) ?? "null")).toEqual({
      v: 1,
      from: a.sync.instanceId,
      openUntil,
      reason: expect.stringContaining("3 failed requests in a row"),
    });

    // A readmits the node (its probe succeeded): B, holding it out on A's word, may probe it now.
    await admin.hset(`${prefix}ejections`, "unrelated", "kept");
    a.clock.skewMs = (openUntil ?? 0) - Date.now();
    expect(a.health.tryAcquireProbe("cpu")).toBe(true);
    a.health.report("cpu", "success");
    expect(a.health.state("cpu")?.breaker).toBe("closed");
    await expect.poll(() => b.health.state("cpu-box:11434")?.breaker).toBe("half-open");
    expect(b.health.isAvailable("cpu-box:11434")).toBe(true);
    expect(await admin.hexists(`${prefix}ejections`, "http://cpu-box:11434")).toBe(0);
    expect(await admin.hexists(`${prefix}ejections`, "unrelated")).toBe(1);

    // B's own probe closes it; that readmission is B's, so B announces it, and A (closed) ignores it.
    expect(b.health.tryAcquireProbe("cpu-box:11434")).toBe(true);
    b.health.report("cpu-box:11434", "success");
    await expect.poll(() => a.messages.length).toBe(1);
    expect(a.messages[0]).toMatchObject({ message: { type: "recover" }, node: "cpu", applied: false });
    // One ejection and two readmissions in all: nothing echoed.
    await expect
      .poll(() => seen.map((message) => `${message.type} ${message.from}`))
      .toEqual([
        `eject ${a.sync.instanceId}`,
        `recover ${a.sync.instanceId}`,
        `recover ${b.sync.instanceId}`,
      ]);
  });

  it("gives a gateway that starts later the learned statistics and the ejections still running", async () => {
    const a = gateway(nodesA);
    await a.sync.start();
    for (let i = 0; i < 4; i++) a.stats.record("gpu", MODEL, { ...sample, eval_count: 60 + i });
    for (let i = 0; i < 3; i++) a.health.report("edge", "connect");
    // An ejection already over must not be applied.
    await admin.hset(
      `${prefix}ejections`,
      "http://cpu-box:11434",
      JSON.stringify({ v: 1, from: "gone", openUntil: Date.now() - 1, reason: "old" }),
    );
    expect(await a.sync.saveSnapshot()).toBe(true);
    expect(await admin.pttl(`${prefix}stats`)).toBeGreaterThan(60_000);

    const c = gateway(nodesB);
    await c.sync.start();
    expect(c.stats.pair("gpu-box:11434", MODEL)).toEqual(a.stats.pair("gpu", MODEL));
    expect(c.stats.model(MODEL)).toEqual(a.stats.model(MODEL));
    expect(c.health.state("edge:11434")).toMatchObject({
      breaker: "open",
      openUntil: a.health.state("edge")?.openUntil,
    });
    expect(c.health.state("cpu-box:11434")?.breaker).toBe("closed");
  });

  it("writes a last snapshot when it stops, if it learned something since the last one", async () => {
    const a = gateway(nodesA);
    await a.sync.start();
    a.stats.record("gpu", MODEL, sample);
    expect(await admin.exists(`${prefix}stats`)).toBe(0);
    await a.sync.stop();
    const saved = JSON.parse((await admin.get(`${prefix}stats`)) ?? "null");
    expect(saved).toMatchObject({
      v: 1,
      from: a.sync.instanceId,
      stats: { nodes: { "http://gpu-box:11434": {} } },
    });
  });

  it("reconnects after its connections are cut, subscribes again and re-announces its own ejections", async () => {
    const a = gateway(nodesA);
    const b = gateway(nodesB);
    await Promise.all([a.sync.start(), b.sync.start()]);
    for (let i = 0; i < 3; i++) a.health.report("edge", "connect");
    await expect.poll(() => admin.hexists(`${prefix}ejections`, "http://edge:11434")).toBe(1);
    await admin.del(`${prefix}ejections`);

    const ids = [...(await connectionIds(a.sync)), ...(await connectionIds(b.sync))];
    expect(ids).toHaveLength(4);
    const reconnected = Promise.all([once(a.sync, "connected"), once(b.sync, "connected")]);
    for (const id of ids) await admin.client("KILL", "ID", id);
    await reconnected;

    expect(await admin.hexists(`${prefix}ejections`, "http://edge:11434")).toBe(1);
    a.stats.record("cpu", MODEL, sample);
    await expect.poll(() => b.stats.pair("cpu-box:11434", MODEL)?.samples).toBe(1);
  });

  it("warns once when Redis refuses a command (a key of another type), and keeps sharing the rest", async () => {
    await admin.set(`${prefix}ejections`, "not a hash");
    const a = gateway(nodesA);
    const b = gateway(nodesB);
    await Promise.all([a.sync.start(), b.sync.start()]);
    expect([a.sync.connected, b.sync.connected]).toEqual([true, true]);
    for (let i = 0; i < 3; i++) a.health.report("edge", "connect");
    await expect.poll(() => b.health.state("edge:11434")?.breaker).toBe("open");
    a.stats.record("gpu", MODEL, sample);
    await expect.poll(() => b.stats.pair("gpu-box:11434", MODEL)?.samples).toBe(1);
    const warnings = a.logLines.filter((line) => line.level === "warn");
    expect(warnings).toEqual([
      {
        level: "warn",
        msg: "shared state: Redis refused a command; this gateway goes on with its own state",
      },
    ]);
  });

  it("without Redis: starts at once, logs one warning per outage while it keeps retrying, stops cleanly", async () => {
    const port = await closedPort();
    const a = gateway(nodesA, { url: `redis://127.0.0.1:${port}` });
    let errors = 0;
    a.sync.on("redis-error", () => errors++);
    await a.sync.start();
    expect(a.sync.connected).toBe(false);
    // Learning and health go on locally.
    a.stats.record("gpu", MODEL, sample);
    for (let i = 0; i < 3; i++) a.health.report("edge", "connect");
    expect(a.stats.pair("gpu", MODEL)?.samples).toBe(1);
    expect(await a.sync.saveSnapshot()).toBe(false);
    await expect.poll(() => errors, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    expect(a.logLines.filter((line) => line.level === "warn")).toEqual([
      {
        level: "warn",
        msg: "shared state: Redis is unreachable; this gateway routes on its own state and reconnects in the background",
      },
    ]);
    await a.sync.stop();
  });
});
