/**
 * Admission: per-node concurrency slots and the gateway's priority queue in front of them.
 * A request takes a free slot on the first of its candidate nodes that has one; when all are
 * busy it waits here — not inside a node's own queue, where the gateway could no longer
 * reorder it by priority, move it to whichever node frees first, or time it out cleanly.
 *
 * This class is the stateful shell: the order of service and which waiter gets a freed slot
 * are decided by the pure functions in policy.ts (the fairness rule is documented there).
 */
import { EventEmitter } from "node:events";
import { NoNodeAvailableError } from "../../errors.js";
import type { AdmissionConfig } from "./config.js";
import { AdmissionClosedError, BadPriorityError, QueueFullError, QueueTimeoutError } from "./errors.js";
import {
  firstFreeCandidate,
  insertionIndex,
  type PriorityLevelSummary,
  planAssignments,
  summarizeQueue,
  type WaiterView,
} from "./policy.js";
import { isValidPriority } from "./priority.js";

/** A held concurrency slot on a node. */
export interface Slot {
  readonly node: string;
  /** How long the request waited in the queue (0 when admitted at once). */
  readonly waitedMs: number;
  /** Gives the slot back, handing it to the best waiter that can use the node. Idempotent. */
  release(): void;
}

export interface AdmitRequest {
  /** Nodes that can serve the request, best first. */
  candidates: readonly string[];
  /** 1 (lowest) to 10 (highest). */
  priority: number;
  /** Epoch ms after which the request stops waiting (503); default now + `maxWaitMs`. */
  deadline?: number;
  /** Aborting removes the request from the queue and rejects with `signal.reason`. */
  signal?: AbortSignal;
}

export type RejectReason = "queue-full" | "timeout" | "aborted" | "no-node" | "closed";

export interface AdmissionEvents {
  /** The number of waiting requests changed. */
  queue: [{ depth: number }];
  admitted: [{ node: string; priority: number; waitedMs: number; queued: boolean }];
  rejected: [{ reason: RejectReason; priority: number; waitedMs: number }];
}

export interface AdmissionSnapshot {
  nodes: { node: string; slots: number; busy: number }[];
  queue: { depth: number; maxQueue: number; byPriority: PriorityLevelSummary[] };
}

export interface AdmissionControllerOptions {
  config: AdmissionConfig;
  /** Clock in epoch ms; deadlines are compared against it. Default `Date.now`. */
  now?: () => number;
}

/** Mutable on purpose: a slot keeps a reference to the state it was taken from (see #take). */
interface NodeState {
  slots: number;
  busy: number;
}

interface Waiter extends WaiterView {
  candidates: string[];
  readonly deadline: number;
  readonly resolve: (slot: Slot) => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  timer: NodeJS.Timeout | undefined;
  /** True while in the queue; a timer or abort that races a hand-off sees false and does nothing. */
  waiting: boolean;
}

/** setTimeout fires at once for delays beyond this (about 24.8 days); longer waits re-arm. */
const MAX_TIMER_MS = 2_147_483_647;

export class AdmissionController extends EventEmitter<AdmissionEvents> {
  readonly #config: AdmissionConfig;
  readonly #now: () => number;
  readonly #nodes = new Map<string, NodeState>();
  /** Waiting requests in service order (policy.compareWaiters). */
  #queue: Waiter[] = [];
  #seq = 0;
  #closed = false;

  constructor(options: AdmissionControllerOptions) {
    super();
    this.#config = options.config;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Sets a node's concurrency (from its config, or learned from Ollama's `num_parallel`).
   * Lowering it below the node's busy count lets running requests finish; 0 pauses the node.
   */
  setSlots(node: string, slots: number): void {
    if (!Number.isInteger(slots) || slots < 0) {
      throw new RangeError(`slots for node "${node}" must be a non-negative integer, got ${slots}`);
    }
    const state = this.#nodes.get(node);
    if (state === undefined) this.#nodes.set(node, { slots, busy: 0 });
    else state.slots = slots;
    this.#drain();
  }

  /**
   * Forgets a node. Held slots on it stay valid and their release does nothing; waiters drop it
   * from their candidates, and those left with none are rejected (503) rather than waiting in vain.
   */
  removeNode(node: string): void {
    if (!this.#nodes.delete(node)) return;
    const stranded: Waiter[] = [];
    for (const waiter of this.#queue) {
      if (!waiter.candidates.includes(node)) continue;
      waiter.candidates = waiter.candidates.filter((name) => name !== node);
      if (waiter.candidates.length === 0) stranded.push(waiter);
    }
    if (stranded.length === 0) return;
    this.#remove(stranded);
    for (const waiter of stranded) {
      this.#fail(
        waiter,
        "no-node",
        new NoNodeAvailableError(
          `node "${node}" left the pool while the request waited for it, and no other node can serve it; retry shortly`,
          { retryAfterSeconds: 1 },
        ),
      );
    }
  }

  /**
   * Takes a slot on the first candidate with one free, at once; otherwise waits in the priority
   * queue until a candidate frees a slot, the deadline passes (QueueTimeoutError, 503) or the
   * signal aborts. A full queue rejects at once (QueueFullError, 429). Candidates never seen
   * before get `defaultSlots`.
   *
   * The caller owns the slot once the promise resolves and must release it, also when its own
   * signal aborted in the meantime.
   */
  async admit(request: AdmitRequest): Promise<Slot> {
    const { priority, signal } = request;
    if (!isValidPriority(priority)) throw new BadPriorityError("the admission request", priority);
    if (signal?.aborted) throw signal.reason;
    if (this.#closed) throw new AdmissionClosedError();
    if (request.candidates.length === 0) {
      throw new NoNodeAvailableError("no node can serve this request (no candidates); retry shortly", {
        retryAfterSeconds: 1,
      });
    }
    for (const name of request.candidates) {
      if (!this.#nodes.has(name)) this.#nodes.set(name, { slots: this.#config.defaultSlots, busy: 0 });
    }
    // The controller keeps every waiter away from free slots it can use (planAssignments), so a
    // newcomer that finds a free slot is not jumping ahead of anyone who wanted it.
    const free = firstFreeCandidate(request.candidates, this.#nodes);
    if (free !== undefined) {
      this.emit("admitted", { node: free, priority, waitedMs: 0, queued: false });
      return this.#take(free, 0);
    }
    if (this.#queue.length >= this.#config.maxQueue) {
      this.emit("rejected", { reason: "queue-full", priority, waitedMs: 0 });
      throw new QueueFullError(this.#config.maxQueue);
    }
    const now = this.#now();
    const deadline = request.deadline ?? now + this.#config.maxWaitMs;
    if (deadline <= now) {
      this.emit("rejected", { reason: "timeout", priority, waitedMs: 0 });
      throw new QueueTimeoutError(0);
    }
    return new Promise<Slot>((resolve, reject) => {
      const waiter: Waiter = {
        seq: this.#seq++,
        priority,
        enqueuedAt: now,
        candidates: [...new Set(request.candidates)],
        deadline,
        resolve,
        reject,
        signal,
        onAbort: undefined,
        timer: undefined,
        waiting: true,
      };
      this.#queue.splice(insertionIndex(this.#queue, waiter, this.#config.agingMs), 0, waiter);
      this.#arm(waiter, deadline - now);
      if (signal !== undefined) {
        waiter.onAbort = () => this.#abort(waiter);
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.emit("queue", { depth: this.#queue.length });
    });
  }

  /** Per node slots and busy count, and the queue per priority level (highest first). */
  snapshot(): AdmissionSnapshot {
    return {
      nodes: [...this.#nodes].map(([node, { slots, busy }]) => ({ node, slots, busy })),
      queue: {
        depth: this.#queue.length,
        maxQueue: this.#config.maxQueue,
        byPriority: summarizeQueue(this.#queue, this.#now()),
      },
    };
  }

  /** Rejects every waiter and every later admit (503): for shutdown. Held slots stay releasable. */
  close(): void {
    this.#closed = true;
    const waiting = this.#queue;
    this.#remove(waiting);
    for (const waiter of waiting) this.#fail(waiter, "closed", new AdmissionClosedError());
  }

  #abort(waiter: Waiter): void {
    if (!waiter.waiting) return;
    this.#remove([waiter]);
    this.#fail(waiter, "aborted", waiter.signal?.reason);
  }

  #arm(waiter: Waiter, delayMs: number): void {
    waiter.timer = setTimeout(() => this.#expire(waiter), Math.min(Math.max(0, delayMs), MAX_TIMER_MS));
    // A waiting request must not keep the process alive on its own.
    waiter.timer.unref();
  }

  #expire(waiter: Waiter): void {
    if (!waiter.waiting) return;
    const remaining = waiter.deadline - this.#now();
    // Timers can fire early relative to an injected clock, and very long waits exceed one timer.
    if (remaining > 0) {
      this.#arm(waiter, remaining);
      return;
    }
    this.#remove([waiter]);
    this.#fail(waiter, "timeout", new QueueTimeoutError(this.#now() - waiter.enqueuedAt));
  }

  #take(name: string, waitedMs: number): Slot {
    const state = this.#nodes.get(name)!;
    state.busy++;
    let released = false;
    return {
      node: name,
      waitedMs,
      release: () => {
        if (released) return;
        released = true;
        state.busy--;
        // A slot taken before removeNode (or a later re-add) belongs to the old state: no hand-off.
        if (this.#nodes.get(name) === state) this.#drain();
      },
    };
  }

  /** Hands every free slot some waiter can use to the best such waiter (policy.planAssignments). */
  #drain(): void {
    if (this.#queue.length === 0) return;
    const plan = planAssignments(this.#queue, this.#nodes);
    if (plan.length === 0) return;
    this.#remove(plan.map(({ waiter }) => waiter));
    const now = this.#now();
    for (const { waiter, node } of plan) {
      const waitedMs = Math.max(0, now - waiter.enqueuedAt);
      this.emit("admitted", { node, priority: waiter.priority, waitedMs, queued: true });
      waiter.resolve(this.#take(node, waitedMs));
    }
  }

  /** Takes waiters out of the queue and stops their timers and abort listeners. */
  #remove(waiters: readonly Waiter[]): void {
    if (waiters.length === 0) return;
    for (const waiter of waiters) {
      waiter.waiting = false;
      clearTimeout(waiter.timer);
      // The caller's signal may outlive the request by far (a client connection): let go of the waiter.
      if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener("abort", waiter.onAbort);
    }
    this.#queue = this.#queue.filter((waiter) => waiter.waiting);
    this.emit("queue", { depth: this.#queue.length });
  }

  #fail(waiter: Waiter, reason: RejectReason, error: unknown): void {
    const waitedMs = Math.max(0, this.#now() - waiter.enqueuedAt);
    this.emit("rejected", { reason, priority: waiter.priority, waitedMs });
    waiter.reject(error);
  }
}
