/**
 * Watching the gateway from outside, the way an operator would: its node list
 * (/v1/hydra/nodes) polled on a short interval, and counters read from /metrics.
 * Tolerant of fields that do not exist yet (the breaker, the failover counter).
 */
import { request } from "undici";
import { isRecord } from "./chat-stream.js";

/** One node as /v1/hydra/nodes shows it, reduced to what rotation depends on. */
export interface NodeState {
  name: string;
  url: string;
  health: string;
  /** The circuit breaker's state, when the gateway reports one. */
  breaker: string | null;
}

/** The health of one node observed at a moment, on the watcher's clock. */
export interface Observation {
  atMs: number;
  health: string;
  breaker: string | null;
}

export async function readNodes(gatewayUrl: string): Promise<NodeState[]> {
  const response = await request(new URL("/v1/hydra/nodes", gatewayUrl), { headersTimeout: 2_000 });
  const body: unknown = await response.body.json();
  if (response.statusCode !== 200 || !isRecord(body) || !Array.isArray(body.nodes)) {
    throw new Error(`GET /v1/hydra/nodes: HTTP ${response.statusCode}`);
  }
  return body.nodes.filter(isRecord).map((node) => ({
    name: String(node.name),
    url: String(node.url),
    health: String(node.health),
    breaker: breakerState(node.breaker),
  }));
}

/** A breaker may be reported as a bare state or as an object with a `state`. */
function breakerState(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (isRecord(value) && typeof value.state === "string") return value.state;
  return null;
}

/** In rotation: healthy, and not held out by an open (or half-open) breaker. */
export function inRotation(state: { health: string; breaker: string | null }): boolean {
  return state.health === "up" && (state.breaker === null || state.breaker === "closed");
}

/** Same origin, whatever normalisation the gateway applied to the URL. */
export function sameNode(a: string, b: string): boolean {
  return new URL(a).origin === new URL(b).origin;
}

/**
 * Polls one node's state every `intervalMs` and keeps every change (not every poll),
 * so eject and readmit times can be read off afterwards, and flapping shows.
 */
export class HealthWatcher {
  readonly changes: Observation[] = [];
  pollErrors = 0;
  #last: Observation | undefined;
  #running = false;
  #loop: Promise<void> | undefined;

  constructor(
    private readonly gatewayUrl: string,
    private readonly nodeUrl: string,
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {}

  /** The most recent observation, or undefined before the first poll answered. */
  get current(): Observation | undefined {
    return this.#last;
  }

  start(): void {
    this.#running = true;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }

  /** The first recorded change at or after `fromMs` that satisfies `test`. */
  firstChange(fromMs: number, test: (o: Observation) => boolean): Observation | undefined {
    return this.changes.find((o) => o.atMs >= fromMs && test(o));
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const next = this.now() + this.intervalMs;
      await this.#poll();
      await sleep(Math.max(0, next - this.now()));
    }
  }

  async #poll(): Promise<void> {
    try {
      const state = (await readNodes(this.gatewayUrl)).find((node) => sameNode(node.url, this.nodeUrl));
      if (state === undefined) throw new Error(`node ${this.nodeUrl} is not listed`);
      // Stamp when the answer arrived: the state held at the latest by then.
      const observation = { atMs: this.now(), health: state.health, breaker: state.breaker };
      const last = this.#last;
      if (last === undefined || last.health !== state.health || last.breaker !== state.breaker) {
        this.changes.push(observation);
      }
      this.#last = observation;
    } catch {
      this.pollErrors++;
    }
  }
}

/** The gateway's Prometheus exposition text. */
export async function readMetrics(gatewayUrl: string): Promise<string> {
  const response = await request(new URL("/metrics", gatewayUrl));
  return response.body.text();
}

/** Sum of a metric over all its label sets, or null when the text has no such metric. */
export function metricSum(text: string, name: string): number | null {
  let found = false;
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match?.[1] !== name) continue;
    found = true;
    sum += Number(match[2]);
  }
  return found ? sum : null;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
