/**
 * Shares what gateways learn through Redis, so that several gateways behind a load balancer route
 * alike: every answer's timing fields (learned statistics) and every ejection and readmission.
 *
 * - Samples: each answer this gateway observes is published on `<prefix>samples`; the others fold
 *   it in with the same EWMA math, so all gateways converge on the same learned statistics.
 * - Snapshot: every `snapshotIntervalMs` (when something was learned) the statistics are written to
 *   `<prefix>stats` with a TTL, so a gateway that starts later begins where the others are.
 * - Health: an ejection this gateway decides is published on `<prefix>health` and kept in the hash
 *   `<prefix>ejections` while it runs; the others eject the node until the same time and then probe
 *   it themselves. A readmission is published too: a gateway that holds the node out only on
 *   another's word probes it at once.
 *
 * Nodes are named by their canonical URL (node-identity.ts): gateways may name them differently.
 * Messages carry this gateway's random instance id; its own are skipped, and what it applies from
 * others is never published again (recordRemote, and `remote` health changes), so nothing echoes.
 *
 * Redis is an aid, never a dependency: ioredis reconnects in the background, a failure is logged
 * once per outage, and the gateway keeps routing on its own state meanwhile. What was published
 * during an outage is lost (pub/sub keeps nothing), so on reconnecting each gateway catches up from
 * the snapshot and the ejections hash, and re-announces its own ejections still running.
 * ioredis is loaded on `start()`, so a gateway without Redis never loads it.
 */
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { ChainableCommander, Redis, RedisOptions } from "ioredis";
import type { BaseLogger } from "pino";
import { redactUrl } from "../../config/redact-url.js";
import type { HealthChange, HealthMonitor } from "../health/monitor.js";
import type { LearnedStats, ResponseStats } from "../router/learned-stats.js";
import { type SharedStateNames, sharedStateNames } from "./config.js";
import {
  announcementOf,
  fromSharedStats,
  liveEjections,
  mergeStatsSnapshots,
  remoteEjectionUntil,
  toSharedStats,
} from "./merge.js";
import {
  decodeMessage,
  decodeStatsRecord,
  type EjectionEntry,
  encodeEjection,
  encodeMessage,
  encodeStatsRecord,
  MAX_REASON_CHARS,
  type SharedMessage,
  timingFieldsOf,
} from "./messages.js";
import { type NamedNode, NodeDirectory, nodeKey } from "./node-identity.js";

/** How long `start()` waits for Redis before the gateway goes on without it (it keeps reconnecting). */
const STARTUP_WAIT_MS = 2_000;
/** How long `stop()` waits to write the last snapshot and say goodbye. */
const STOP_WAIT_MS = 1_000;
/** A connection attempt to an unreachable host gives up after this, and is retried. */
const CONNECT_TIMEOUT_MS = 2_000;
/** Distinct command errors logged per gateway; more of them add nothing a reader can use. */
const MAX_REFUSALS_LOGGED = 16;
/**
 * The snapshot and the ejections hash expire this long after their last write: statistics a day
 * old still beat the priors, and a cluster nobody runs any more leaves nothing behind for ever.
 */
export const SHARED_STATE_TTL_MS = 24 * 60 * 60_000;

export interface RedisSharedStateOptions {
  url: string;
  keyPrefix: string;
  snapshotIntervalMs: number;
  stats: LearnedStats;
  health: HealthMonitor;
  /** This gateway's nodes now (read on each use: nodes join and leave). */
  nodes: () => Iterable<NamedNode>;
  log: Pick<BaseLogger, "warn" | "info" | "debug">;
  /** Default: a random UUID (a restarted gateway is a new instance). */
  instanceId?: string;
  now?: () => number;
}

export interface SharedStateEvents {
  /** A message from another gateway was handled; `node` is this gateway's name for it, if it has one. */
  message: [{ message: SharedMessage; node: string | undefined; applied: boolean }];
  /** Both connections are up, subscribed, and caught up (on start and after each outage). */
  connected: [];
  /** A connection or command failed (each time; the log says it once per outage). */
  "redis-error": [Error];
}

export class RedisSharedState extends EventEmitter<SharedStateEvents> {
  readonly instanceId: string;
  readonly names: SharedStateNames;
  readonly #options: RedisSharedStateOptions;
  readonly #directory: NodeDirectory;
  readonly #now: () => number;
  #pub: Redis | undefined;
  #sub: Redis | undefined;
  #pubUp = false;
  #subUp = false;
  #outage = false;
  /** Command errors already logged while connected (Redis answered, but with an error). */
  readonly #refusals = new Set<string>();
  /** Something was learned since the last snapshot was written. */
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;
  #starting: Promise<void> | undefined;
  #stopped = false;
  #stopRecording: (() => void) | undefined;
  /** Ends start()'s wait: set while it waits. */
  #wakeStart: (() => void) | undefined;
  /** This gateway's own ejections still running, by node key: re-announced after an outage. */
  readonly #ownEjections = new Map<string, EjectionEntry>();

  constructor(options: RedisSharedStateOptions) {
    super();
    this.#options = options;
    this.instanceId = options.instanceId ?? randomUUID();
    this.names = sharedStateNames(options.keyPrefix);
    this.#directory = new NodeDirectory(options.nodes);
    this.#now = options.now ?? Date.now;
  }

  /** Whether both connections are up and caught up right now. */
  get connected(): boolean {
    return this.#pubUp && this.#subUp;
  }

  /**
   * Connects, catches up (snapshot and live ejections) and subscribes, waiting at most a couple of
   * seconds: an unreachable Redis delays nothing further, it is joined when it comes back. Never rejects.
   */
  start(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    const { Redis } = await import("ioredis");
    if (this.#stopped) return;
    const common: RedisOptions = {
      // Connect when told to, so that every listener is in place before the first event.
      lazyConnect: true,
      connectTimeout: CONNECT_TIMEOUT_MS,
      // Commands fail at once while Redis is away rather than queue up behind the outage:
      // a sample or an announcement that cannot go now is of no use later.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // The subscriber subscribes again itself on each "ready" (also after a failed first start).
      autoResubscribe: false,
    };
    const pub = new Redis(this.#options.url, { ...common, connectionName: `hydra:${this.instanceId}:pub` });
    const sub = new Redis(this.#options.url, { ...common, connectionName: `hydra:${this.instanceId}:sub` });
    this.#pub = pub;
    this.#sub = sub;
    for (const client of [pub, sub]) {
      client.on("error", (error: Error) => this.#noteFailure(error, "connection"));
      client.on("close", () => {
        if (client === pub) this.#pubUp = false;
        else this.#subUp = false;
      });
    }
    pub.on("ready", () => void this.#onPubReady(pub));
    sub.on("ready", () => void this.#onSubReady(sub));
    sub.on("message", (channel: string, raw: string) => this.#onMessage(channel, raw));
    this.#stopRecording = this.#options.stats.onRecord(this.#onLocalSample);
    this.#options.health.on("change", this.#onHealthChange);
    this.#timer = setInterval(() => {
      if (this.#dirty) void this.saveSnapshot();
    }, this.#options.snapshotIntervalMs);
    this.#timer.unref();

    // Until connected and caught up, or until Redis is found unreachable: a refused connection
    // will not be accepted within the wait, so the gateway goes on at once.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.#wakeStart?.(), STARTUP_WAIT_MS);
      this.#wakeStart = () => {
        this.#wakeStart = undefined;
        clearTimeout(timer);
        resolve();
      };
      // Failures arrive as "error" events (and reconnects follow); the promises add nothing.
      pub.connect().catch(() => {});
      sub.connect().catch(() => {});
    });
  }

  /** Writes the learned statistics now (keyed by node URL). False when Redis is not there. */
  async saveSnapshot(): Promise<boolean> {
    const pub = this.#pub;
    if (pub === undefined || pub.status !== "ready") return false;
    const keys = new Map<string, string | undefined>();
    for (const node of this.#options.nodes()) keys.set(node.name, nodeKey(node.url));
    const stats = toSharedStats(this.#options.stats.snapshot(), (name) => keys.get(name));
    const record = { v: 1 as const, from: this.instanceId, savedAt: this.#now(), stats };
    this.#dirty = false;
    try {
      await pub.set(this.names.statsKey, encodeStatsRecord(record), "PX", SHARED_STATE_TTL_MS);
      return true;
    } catch (error) {
      this.#dirty = true;
      this.#noteFailure(error as Error, "command");
      return false;
    }
  }

  /** Writes a last snapshot (briefly), stops listening and closes both connections. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#wakeStart?.();
    await this.#starting;
    clearInterval(this.#timer);
    this.#stopRecording?.();
    this.#options.health.off("change", this.#onHealthChange);
    const pub = this.#pub;
    const sub = this.#sub;
    if (this.#dirty) await withTimeout(this.saveSnapshot(), STOP_WAIT_MS);
    await Promise.all([pub, sub].map((client) => (client === undefined ? undefined : close(client))));
    this.#pubUp = false;
    this.#subUp = false;
  }

  readonly #onLocalSample = (node: string, model: string, stats: ResponseStats, sizeMb?: number): void => {
    this.#dirty = true;
    const pub = this.#pub;
    if (pub === undefined || pub.status !== "ready") return;
    const url = this.#directory.keyOf(node);
    if (url === undefined) return;
    const message = encodeMessage({
      v: 1,
      type: "sample",
      from: this.instanceId,
      url,
      model,
      stats: timingFieldsOf(stats),
      ...(sizeMb === undefined ? {} : { sizeMb }),
    });
    pub
      .publish(this.names.samplesChannel, message)
      .catch((error: Error) => this.#noteFailure(error, "command"));
  };

  readonly #onHealthChange = (change: HealthChange): void => {
    const kind = announcementOf(change);
    if (kind === undefined) return;
    const url = this.#directory.keyOf(change.node);
    if (url === undefined) return;
    if (kind === "eject") {
      const openUntil = this.#options.health.state(change.node)?.openUntil;
      if (openUntil === undefined) return;
      const reason = change.reason.slice(0, MAX_REASON_CHARS);
      const entry: EjectionEntry = { v: 1, from: this.instanceId, openUntil, reason };
      this.#ownEjections.set(url, entry);
      void this.#announceEjection(url, entry);
      return;
    }
    this.#ownEjections.delete(url);
    const pub = this.#pub;
    if (pub === undefined || pub.status !== "ready") return;
    const recover = encodeMessage({ v: 1, type: "recover", from: this.instanceId, url });
    execAll(pub.multi().publish(this.names.healthChannel, recover).hdel(this.names.ejectionsKey, url)).catch(
      (error: Error) => this.#noteFailure(error, "command"),
    );
  };

  async #announceEjection(url: string, entry: EjectionEntry): Promise<void> {
    const pub = this.#pub;
    if (pub === undefined || pub.status !== "ready") return;
    const message = encodeMessage({
      v: 1,
      type: "eject",
      from: this.instanceId,
      url,
      openUntil: entry.openUntil,
      reason: entry.reason,
    });
    try {
      await execAll(
        pub
          .multi()
          .publish(this.names.healthChannel, message)
          .hset(this.names.ejectionsKey, url, encodeEjection(entry))
          .pexpire(this.names.ejectionsKey, SHARED_STATE_TTL_MS),
      );
    } catch (error) {
      this.#noteFailure(error as Error, "command");
    }
  }

  #onMessage(_channel: string, raw: string): void {
    if (this.#stopped) return;
    const decoded = decodeMessage(raw);
    if (!decoded.ok) {
      this.#options.log.debug(
        { error: decoded.error },
        "shared state: ignored a message that is not Hydra's",
      );
      return;
    }
    const message = decoded.value;
    if (message.from === this.instanceId) return;
    const key = nodeKey(message.url);
    const node = key === undefined ? undefined : this.#directory.nameOf(key);
    let applied = false;
    if (node !== undefined) {
      switch (message.type) {
        case "sample":
          this.#options.stats.recordRemote(node, message.model, message.stats, message.sizeMb);
          this.#dirty = true;
          applied = true;
          break;
        case "eject": {
          const openUntil = remoteEjectionUntil(message.openUntil, this.#now());
          applied =
            openUntil !== undefined &&
            this.#options.health.applyRemoteEjection(node, { openUntil, reason: message.reason });
          break;
        }
        case "recover":
          applied = this.#options.health.applyRemoteRecovery(node);
          break;
      }
    }
    this.emit("message", { message, node, applied });
  }

  /** On each (re)connection: take over what others learned and decided meanwhile, then say ours. */
  async #onPubReady(pub: Redis): Promise<void> {
    try {
      const [fields, raw] = await Promise.all([
        pub.hgetall(this.names.ejectionsKey),
        pub.get(this.names.statsKey),
      ]);
      if (this.#stopped) return;
      this.#applyStoredEjections(fields);
      if (raw !== null) this.#loadSnapshot(raw);
      const now = this.#now();
      for (const [url, entry] of this.#ownEjections) {
        if (entry.openUntil > now) await this.#announceEjection(url, entry);
        else this.#ownEjections.delete(url);
      }
    } catch (error) {
      this.#noteFailure(error as Error, "command");
    }
    // A catch-up Redis refused (say, a key of another type) must not keep the live sharing off;
    // a connection that broke meanwhile has said so with "close".
    if (pub.status !== "ready") return;
    this.#pubUp = true;
    this.#noteUp();
  }

  async #onSubReady(sub: Redis): Promise<void> {
    try {
      await sub.subscribe(this.names.samplesChannel, this.names.healthChannel);
      this.#subUp = true;
      this.#noteUp();
    } catch (error) {
      this.#noteFailure(error as Error, "command");
    }
  }

  #applyStoredEjections(fields: Record<string, string>): void {
    const { live, invalid } = liveEjections(fields, this.#now(), this.instanceId);
    if (invalid > 0)
      this.#options.log.debug({ invalid }, "shared state: ignored ejection entries that are not Hydra's");
    for (const ejection of live) {
      const key = nodeKey(ejection.key);
      const node = key === undefined ? undefined : this.#directory.nameOf(key);
      if (node !== undefined)
        this.#options.health.applyRemoteEjection(node, {
          openUntil: ejection.openUntil,
          reason: ejection.reason,
        });
    }
  }

  #loadSnapshot(raw: string): void {
    const decoded = decodeStatsRecord(raw);
    if (!decoded.ok) {
      this.#options.log.warn(
        { error: decoded.error, key: this.names.statsKey },
        "shared state: the learned statistics in Redis are not valid; ignored (the next snapshot replaces them)",
      );
      return;
    }
    const remote = fromSharedStats(decoded.value.stats, (key) => {
      const canonical = nodeKey(key);
      return canonical === undefined ? undefined : this.#directory.nameOf(canonical);
    });
    const { stats } = this.#options;
    stats.load(mergeStatsSnapshots(stats.snapshot(), remote));
  }

  #noteUp(): void {
    if (!this.connected || this.#stopped) return;
    if (this.#outage) {
      this.#outage = false;
      this.#options.log.info(
        { redis: redactUrl(this.#options.url) },
        "shared state: Redis is reachable again; caught up with the other gateways",
      );
    }
    this.#wakeStart?.();
    this.emit("connected");
  }

  #noteFailure(error: Error, source: "connection" | "command"): void {
    if (this.#stopped) return;
    if (source === "command" && this.#pub?.status === "ready") {
      // Redis is there but refused a command (say, a key of another type under this prefix):
      // worth a warning, once per kind, not an outage.
      if (this.#refusals.size < MAX_REFUSALS_LOGGED && !this.#refusals.has(error.message)) {
        this.#refusals.add(error.message);
        this.#options.log.warn(
          { redis: redactUrl(this.#options.url), error: error.message },
          "shared state: Redis refused a command; this gateway goes on with its own state",
        );
      }
    } else if (!this.#outage) {
      this.#outage = true;
      this.#wakeStart?.();
      this.#options.log.warn(
        { redis: redactUrl(this.#options.url), error: error.message },
        "shared state: Redis is unreachable; this gateway routes on its own state and reconnects in the background",
      );
    }
    this.emit("redis-error", error);
  }
}

/** Runs a MULTI; a command that failed inside it (EXEC reports those as results) rejects it. */
async function execAll(multi: ChainableCommander): Promise<void> {
  const results = await multi.exec();
  if (results === null) throw new Error("Redis aborted the transaction");
  for (const [error] of results) if (error !== null) throw error;
}

async function close(client: Redis): Promise<void> {
  // QUIT lets Redis finish what was sent; a connection that is down (or a QUIT that hangs) is cut.
  if (client.status === "ready")
    await withTimeout(
      client.quit().catch(() => undefined),
      STOP_WAIT_MS,
    );
  client.disconnect();
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
