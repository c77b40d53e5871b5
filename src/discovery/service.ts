/**
 * Discovery as a running service: scans the configured ranges at start and then every
 * `intervalMs` (counted from the end of a pass, so passes never overlap), and announces each
 * Ollama node it has not announced before and the caller does not already know. What to do with
 * a node (add it to the pool) is the listener's business; this module knows nothing of the pool.
 */
import { EventEmitter } from "node:events";
import { performance } from "node:perf_hooks";
import type { DiscoveryConfig } from "./config.js";
import { nodeIdentity, localAddresses as readLocalAddresses } from "./identity.js";
import type { DiscoveredNode, ProbeFn } from "./probe.js";
import { scanNetwork } from "./scan.js";

/** One finished pass, as the `scan` event carries it. */
export interface ScanSummary {
  /** Probes made (hosts × ports). */
  probed: number;
  /** Ollama nodes that answered, known or not. */
  found: number;
  /** Nodes announced with `found` in this pass. */
  announced: number;
  durationMs: number;
}

/** A pass's summary and the nodes themselves. */
export interface ScanPass extends ScanSummary {
  nodes: DiscoveredNode[];
  announcedNodes: DiscoveredNode[];
}

export interface DiscoveryEvents {
  /** A node not known before; emitted once per node identity for the life of the service. */
  found: [DiscoveredNode];
  /** A pass ended (not emitted for a pass cut short by `stop()`). */
  scan: [ScanSummary];
  /** A pass failed for a reason other than `stop()`; the next one runs on schedule. */
  failed: [{ message: string }];
}

export interface DiscoveryServiceOptions {
  config: DiscoveryConfig;
  /** True when the pool already has this node, under whatever spelling (compare `nodeIdentity`s). */
  isKnown: (url: string) => boolean;
  /** This machine's addresses, for identity (default: read from the interfaces). */
  localAddresses?: ReadonlySet<string>;
  /** Default: HTTP probe of /api/version and /api/tags. */
  probe?: ProbeFn;
}

export class DiscoveryService extends EventEmitter<DiscoveryEvents> {
  private readonly config: DiscoveryConfig;
  private readonly isKnown: (url: string) => boolean;
  private readonly local: ReadonlySet<string>;
  private readonly probe: ProbeFn | undefined;
  /** Identities already announced, so a node the listener did not add is not announced each pass. */
  private readonly announced = new Set<string>();
  private running: { controller: AbortController; done: Promise<ScanPass> } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private started = false;

  constructor(options: DiscoveryServiceOptions) {
    super();
    this.config = options.config;
    this.isKnown = options.isKnown;
    this.local = options.localAddresses ?? readLocalAddresses();
    this.probe = options.probe;
  }

  /** Whether `start()` has anything to do: with no `scan` ranges, discovery stays idle. */
  get enabled(): boolean {
    return this.config.scan.length > 0;
  }

  /** Scans now and then every `intervalMs`. Does nothing when no range is configured or already started. */
  start(): void {
    if (this.started || !this.enabled) return;
    this.started = true;
    this.runScheduled();
  }

  /** Stops the schedule and aborts a pass in flight; resolves once it has ended. */
  async stop(): Promise<void> {
    this.started = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    const running = this.running;
    if (running === undefined) return;
    running.controller.abort(new Error("discovery stopped"));
    await running.done.catch(() => {});
  }

  /**
   * Runs one pass now (or joins the one in flight) and resolves its result; rejects when
   * `stop()` cut it short or it failed.
   */
  scanOnce(): Promise<ScanPass> {
    if (this.running !== undefined) return this.running.done;
    const controller = new AbortController();
    const done = this.pass(controller.signal).finally(() => {
      if (this.running?.controller === controller) this.running = undefined;
    });
    this.running = { controller, done };
    return done;
  }

  /** Lets a node be announced again (e.g. after it was removed from the pool and came back). */
  forget(url: string): void {
    this.announced.delete(nodeIdentity(url, this.local));
  }

  private runScheduled(): void {
    this.scanOnce()
      .catch((error: unknown) => {
        if (this.started) this.emit("failed", { message: (error as Error).message ?? String(error) });
      })
      .finally(() => {
        if (!this.started) return;
        this.timer = setTimeout(() => this.runScheduled(), this.config.intervalMs);
        // Discovery alone must not keep the process alive.
        this.timer.unref();
      });
  }

  private async pass(signal: AbortSignal): Promise<ScanPass> {
    const started = performance.now();
    let probed = 0;
    const announcedNodes: DiscoveredNode[] = [];
    const nodes = await scanNetwork({
      targets: this.config.scan,
      ports: this.config.ports,
      concurrency: this.config.concurrency,
      timeoutMs: this.config.timeoutMs,
      signal,
      localAddresses: this.local,
      ...(this.probe === undefined ? {} : { probe: this.probe }),
      onProgress: (progress) => {
        probed = progress.probed;
      },
      // Announced as found, not at the end: a /16 pass can take minutes.
      onFound: (node) => {
        const identity = nodeIdentity(node.url, this.local);
        if (this.announced.has(identity) || this.isKnown(node.url)) return;
        this.announced.add(identity);
        announcedNodes.push(node);
        this.emit("found", node);
      },
    });
    const summary: ScanSummary = {
      probed,
      found: nodes.length,
      announced: announcedNodes.length,
      durationMs: Math.round(performance.now() - started),
    };
    this.emit("scan", summary);
    return { ...summary, nodes, announcedNodes };
  }
}
