/**
 * The gateway's view of its node agents: who registered, what each last reported, and
 * whether it still reports (fresh) or missed its heartbeats (stale). No I/O: the HTTP
 * routes (gateway/routes/agents.ts) feed it, a timer (or the caller) sweeps it, and the
 * gateway turns its events into pool membership.
 *
 * Identity: an agent is its `agentId`; the pool node it stands for is its `ollamaUrl`.
 * When a second agent registers the same ollamaUrl under another id (the machine was
 * renamed, or the agent's host changed), the newer one replaces the older: the older
 * `left` with reason "replaced", then the newer `joined`. One Ollama is one node.
 */
import { EventEmitter } from "node:events";
import { UnknownAgentError } from "../agent/errors.js";
import { type AgentStatus, vramTotals } from "../agent/protocol.js";
import type { NodeConfig } from "../config/schema.js";
import type { NodeResources } from "../pool/node.js";

export type AgentState = "fresh" | "stale";

export type AgentLeftReason = "deregistered" | "forgotten" | "replaced";

export interface AgentRecord {
  readonly agentId: string;
  readonly name: string;
  readonly ollamaUrl: string;
  state: AgentState;
  /** Registry clock, ms since the epoch. */
  readonly registeredAt: number;
  lastSeenAt: number;
  /** The latest report. */
  status: AgentStatus;
}

export interface AgentRegistryEvents {
  /** A new agent: add its node to the pool. */
  joined: [record: AgentRecord];
  /** A known agent reported (heartbeat, or registered again unchanged). */
  updated: [record: AgentRecord];
  /** It missed its heartbeats for staleAfterMs: its node should take no new requests. */
  stale: [record: AgentRecord];
  /** A stale agent reported again. */
  fresh: [record: AgentRecord];
  /** Gone from the registry: take its node out of the pool. */
  left: [record: AgentRecord, reason: AgentLeftReason];
}

export interface AgentRegistryOptions {
  staleAfterMs: number;
  forgetAfterMs: number;
  /** How often start()'s timer sweeps; default a quarter of staleAfterMs, 50 ms to 1 s. */
  sweepIntervalMs?: number;
  now?: () => number;
}

/** One agent as GET /v1/hydra/agents shows it. */
export interface AgentView {
  agentId: string;
  name: string;
  ollamaUrl: string;
  agentUrl: string;
  state: AgentState;
  registeredAt: string;
  lastSeenAt: string;
  lastSeenAgoMs: number;
  status: AgentStatus;
}

/** The node an agent stands for, as pool.addNode(config, "agent") takes it. */
export function agentNodeConfig(record: AgentRecord): NodeConfig {
  return {
    url: record.ollamaUrl,
    name: record.name,
    tags: [...record.status.tags],
    weight: 1,
    ...(record.status.slots === undefined ? {} : { slots: record.status.slots }),
  };
}

/** What pool.setResources(name, resources) records of the agent's machine. */
export function agentResources(record: AgentRecord): NodeResources {
  const vram = vramTotals(record.status.gpus);
  return {
    ...(vram === undefined ? {} : { vramTotalMb: vram.totalMb, vramFreeMb: vram.freeMb }),
    stale: record.state === "stale",
    reportedAt: record.lastSeenAt,
  };
}

export class AgentRegistry extends EventEmitter<AgentRegistryEvents> {
  readonly #options: Required<Omit<AgentRegistryOptions, "now">>;
  readonly #now: () => number;
  readonly #agents = new Map<string, AgentRecord>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: AgentRegistryOptions) {
    super();
    this.#options = {
      staleAfterMs: options.staleAfterMs,
      forgetAfterMs: options.forgetAfterMs,
      sweepIntervalMs: options.sweepIntervalMs ?? Math.min(1_000, Math.max(50, options.staleAfterMs / 4)),
    };
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#agents.size;
  }

  get(agentId: string): AgentRecord | undefined {
    return this.#agents.get(agentId);
  }

  /** The agent that stands for the node at this Ollama URL (to reach it for a pull). */
  byOllamaUrl(ollamaUrl: string): AgentRecord | undefined {
    for (const record of this.#agents.values()) if (record.ollamaUrl === ollamaUrl) return record;
    return undefined;
  }

  /** Every agent, by name. */
  records(): AgentRecord[] {
    return [...this.#agents.values()].sort(
      (a, b) => a.name.localeCompare(b.name) || a.agentId.localeCompare(b.agentId),
    );
  }

  list(now = this.#now()): AgentView[] {
    return this.records().map((record) => ({
      agentId: record.agentId,
      name: record.name,
      ollamaUrl: record.ollamaUrl,
      agentUrl: record.status.agentUrl,
      state: record.state,
      registeredAt: new Date(record.registeredAt).toISOString(),
      lastSeenAt: new Date(record.lastSeenAt).toISOString(),
      lastSeenAgoMs: Math.max(0, now - record.lastSeenAt),
      status: record.status,
    }));
  }

  /**
   * An agent (re)joins. The same agent again, unchanged, is an update (and fresh again if it
   * was stale); with another name or Ollama URL it leaves and joins anew; another agent on the
   * same Ollama URL replaces the one there.
   */
  register(status: AgentStatus): AgentRecord {
    const now = this.#now();
    const known = this.#agents.get(status.agentId);
    if (known !== undefined && known.name === status.name && known.ollamaUrl === status.ollamaUrl) {
      return this.#report(known, status, now);
    }
    if (known !== undefined) this.#remove(known, "replaced");
    for (const other of [...this.#agents.values()]) {
      if (other.ollamaUrl === status.ollamaUrl) this.#remove(other, "replaced");
    }
    const record: AgentRecord = {
      agentId: status.agentId,
      name: status.name,
      ollamaUrl: status.ollamaUrl,
      state: "fresh",
      registeredAt: now,
      lastSeenAt: now,
      status,
    };
    this.#agents.set(record.agentId, record);
    this.emit("joined", record);
    return record;
  }

  /** A report from a registered agent; throws UnknownAgentError (404) so that the agent registers again. */
  heartbeat(status: AgentStatus): AgentRecord {
    const known = this.#agents.get(status.agentId);
    if (known === undefined) throw new UnknownAgentError(status.agentId);
    if (known.name !== status.name || known.ollamaUrl !== status.ollamaUrl) {
      throw new UnknownAgentError(status.agentId, "its name or Ollama URL changed since it registered");
    }
    return this.#report(known, status, this.#now());
  }

  /** The agent is shutting down; false when it was not registered. */
  deregister(agentId: string): boolean {
    const known = this.#agents.get(agentId);
    if (known === undefined) return false;
    this.#remove(known, "deregistered");
    return true;
  }

  /** Marks agents silent for staleAfterMs stale, and forgets those silent for forgetAfterMs. */
  sweep(now = this.#now()): void {
    for (const record of [...this.#agents.values()]) {
      const silentMs = now - record.lastSeenAt;
      if (silentMs > this.#options.forgetAfterMs) {
        this.#remove(record, "forgotten");
      } else if (record.state === "fresh" && silentMs > this.#options.staleAfterMs) {
        record.state = "stale";
        this.emit("stale", record);
      }
    }
  }

  /** Sweeps on a timer that does not keep the process alive. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.sweep(), this.#options.sweepIntervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #report(record: AgentRecord, status: AgentStatus, now: number): AgentRecord {
    record.status = status;
    record.lastSeenAt = now;
    if (record.state === "stale") {
      record.state = "fresh";
      this.emit("fresh", record);
    }
    this.emit("updated", record);
    return record;
  }

  #remove(record: AgentRecord, reason: AgentLeftReason): void {
    this.#agents.delete(record.agentId);
    this.emit("left", record, reason);
  }
}
