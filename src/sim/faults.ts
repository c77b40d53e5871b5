/**
 * Fault injection: what can go wrong on a simulated node, when it applies, and how often.
 * Faults are data (validated with zod) plus a small matcher; the HTTP shell performs them.
 * Probabilities draw from a seeded RNG so a test sees the same sequence on every run.
 */
import { z } from "zod";
import { modelKey } from "../protocol/ollama/model-name.js";
import { Rng } from "./rng.js";

/** Endpoints that run a model and produce tokens; stream faults apply only to these. */
export const GENERATION_PATHS = ["/api/chat", "/api/generate", "/v1/chat/completions", "/v1/completions"];
/** Endpoints that use a model slot (generation plus embeddings). */
export const INFERENCE_PATHS = [...GENERATION_PATHS, "/api/embed", "/api/embeddings", "/v1/embeddings"];

export const FAULT_TYPES = [
  "status",
  "reset",
  "hang",
  "slow_first_token",
  "cut_stream",
  "stall",
  "malformed_chunk",
  "missing_done",
  "flap",
  "down",
] as const;
export type FaultType = (typeof FAULT_TYPES)[number];

const afterTokens = z
  .number()
  .int()
  .min(0, { error: "after_tokens must be a whole number >= 0 (tokens sent before the fault)" });

const common = {
  /** Name for the control endpoint and logs; generated when absent. */
  id: z.string().min(1).optional(),
  /** Only requests for this model (same name rules as Ollama: "llama3.2" = "llama3.2:latest"). */
  model: z.string().min(1).optional(),
  /** Only these request paths; "*" means every path. Each type has a sensible default. */
  paths: z
    .array(z.string().regex(/^(\*|\/.*)$/, { error: 'each path must start with "/" or be "*"' }))
    .min(1)
    .optional(),
  /** Chance that a matching request is hit, 0..1. */
  probability: z.number().min(0).max(1, { error: "probability must be between 0 and 1" }).default(1),
  /** Stop after hitting this many requests. */
  times: z.number().int().positive({ error: "times must be a whole number >= 1" }).optional(),
};

export const faultSchema = z.discriminatedUnion(
  "type",
  [
    z.strictObject({
      type: z.literal("status"),
      ...common,
      status: z
        .number({ error: "status must be an HTTP error status, 400..599" })
        .int({ error: "status must be an HTTP error status, 400..599" })
        .min(400, { error: "status must be an HTTP error status, 400..599" })
        .max(599, { error: "status must be an HTTP error status, 400..599" }),
      message: z.string().optional(),
      retry_after_s: z.number().int().nonnegative().optional(),
    }),
    z.strictObject({ type: z.literal("reset"), ...common }),
    z.strictObject({ type: z.literal("hang"), ...common }),
    z.strictObject({
      type: z.literal("slow_first_token"),
      ...common,
      delay_ms: z.number().nonnegative({ error: "delay_ms must be a number of milliseconds >= 0" }),
    }),
    z.strictObject({ type: z.literal("cut_stream"), ...common, after_tokens: afterTokens }),
    z.strictObject({ type: z.literal("stall"), ...common, after_tokens: afterTokens }),
    z.strictObject({ type: z.literal("malformed_chunk"), ...common, after_tokens: afterTokens }),
    z.strictObject({ type: z.literal("missing_done"), ...common }),
    z
      .strictObject({
        type: z.literal("flap"),
        ...common,
        period_ms: z.number().positive({ error: "period_ms must be > 0" }),
        down_ms: z.number().nonnegative({ error: "down_ms must be >= 0" }),
      })
      .refine((f) => f.down_ms <= f.period_ms, {
        error: "down_ms must not exceed period_ms",
        path: ["down_ms"],
      }),
    z.strictObject({
      type: z.literal("down"),
      ...common,
      /** Delay after the fault is installed before the node goes down. */
      start_ms: z.number().nonnegative().default(0),
      /** How long it stays down; absent = until the fault is removed. */
      duration_ms: z.number().positive().optional(),
    }),
  ],
  { error: `type must be one of: ${FAULT_TYPES.join(", ")}` },
);

export type FaultInput = z.input<typeof faultSchema>;
export type Fault = z.output<typeof faultSchema>;
export type StreamFault = Extract<
  Fault,
  { type: "cut_stream" | "stall" | "malformed_chunk" | "missing_done" }
>;
export type RequestFault = Extract<Fault, { type: "status" | "reset" | "hang" }>;

export const faultListSchema = z.array(faultSchema);

/** A fault as the control endpoint reports it. */
export type FaultStatus = Fault & { id: string; hits: number; remaining: number | null };

/** What a request looks like to the matcher. */
export interface FaultRequest {
  path: string;
  model?: string | undefined;
}

interface ActiveFault {
  fault: Fault & { id: string };
  installedAt: number;
  hits: number;
}

function defaultPaths(type: FaultType): string[] {
  switch (type) {
    case "flap":
    case "down":
      return ["*"];
    case "status":
    case "reset":
    case "hang":
    case "slow_first_token":
      return INFERENCE_PATHS;
    default:
      return GENERATION_PATHS;
  }
}

/**
 * Holds a node's faults and decides, request by request, which one fires. Each `take*` call
 * consumes one use of the fault it returns (`times`), so call each at most once per request.
 */
export class FaultInjector {
  private faults: ActiveFault[] = [];
  private readonly rng: Rng;
  private nextId = 1;

  constructor(
    seed: number,
    private readonly now: () => number,
  ) {
    this.rng = new Rng(seed ^ 0x5eed_fa17);
  }

  /** Replaces every fault. Input must already be validated (see faultListSchema). */
  replace(faults: readonly Fault[]): FaultStatus[] {
    this.faults = [];
    for (const fault of faults) this.add(fault);
    return this.list();
  }

  add(fault: Fault): FaultStatus {
    const id = fault.id ?? `${fault.type}-${this.nextId++}`;
    const active: ActiveFault = { fault: { ...fault, id }, installedAt: this.now(), hits: 0 };
    this.faults.push(active);
    return this.describe(active);
  }

  clear(): void {
    this.faults = [];
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.fault.id !== id);
    return this.faults.length !== before;
  }

  list(): FaultStatus[] {
    return this.faults.map((f) => this.describe(f));
  }

  /** A down/flap fault that makes the node unreachable for this request right now. */
  takeDown(request: FaultRequest): Fault | undefined {
    const now = this.now();
    return this.take(request, ["down", "flap"], (active) => isDownAt(active, now));
  }

  /** A fault that replaces the whole response: an error status, a reset, or a hang. */
  takeRequestFault(request: FaultRequest): RequestFault | undefined {
    return this.take(request, ["reset", "hang", "status"]) as RequestFault | undefined;
  }

  /** Extra delay before the first token, in ms (0 when none fires). */
  takeFirstTokenDelay(request: FaultRequest): number {
    const fault = this.take(request, ["slow_first_token"]);
    return fault?.type === "slow_first_token" ? fault.delay_ms : 0;
  }

  /** A fault that damages a response stream once it has started. */
  takeStreamFault(request: FaultRequest): StreamFault | undefined {
    return this.take(request, ["cut_stream", "stall", "malformed_chunk", "missing_done"]) as
      | StreamFault
      | undefined;
  }

  private take(
    request: FaultRequest,
    types: readonly FaultType[],
    extra: (active: ActiveFault) => boolean = () => true,
  ): Fault | undefined {
    for (const active of this.faults) {
      const { fault } = active;
      if (!types.includes(fault.type)) continue;
      if (fault.times !== undefined && active.hits >= fault.times) continue;
      if (!matches(fault, request)) continue;
      if (!extra(active)) continue;
      // Roll only for candidates that match, so unrelated traffic does not shift the sequence.
      if (fault.probability < 1 && !this.rng.chance(fault.probability)) continue;
      active.hits++;
      return fault;
    }
    return undefined;
  }

  private describe(active: ActiveFault): FaultStatus {
    const { fault } = active;
    return {
      ...fault,
      hits: active.hits,
      remaining: fault.times === undefined ? null : Math.max(0, fault.times - active.hits),
    };
  }
}

function matches(fault: Fault, request: FaultRequest): boolean {
  const paths = fault.paths ?? defaultPaths(fault.type);
  if (!paths.includes("*") && !paths.includes(request.path)) return false;
  if (fault.model !== undefined) {
    if (request.model === undefined || modelKey(request.model) !== modelKey(fault.model)) return false;
  }
  return true;
}

function isDownAt(active: ActiveFault, now: number): boolean {
  const { fault } = active;
  const elapsed = now - active.installedAt;
  if (fault.type === "flap") return elapsed % fault.period_ms < fault.down_ms;
  if (fault.type === "down") {
    if (elapsed < fault.start_ms) return false;
    return fault.duration_ms === undefined || elapsed < fault.start_ms + fault.duration_ms;
  }
  return false;
}
