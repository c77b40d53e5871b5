/**
 * One client request's trip through the cluster: dispatch (with the pool's retries),
 * model fallbacks, the `x-hydra-node` / `x-hydra-model` headers, cancellation when
 * the client goes away, first-token timing, mid-stream continuation on another
 * node, and exactly-once accounting (slot, metrics, log line) however it ends.
 */
import type { FastifyBaseLogger, FastifyReply } from "fastify";
import type { HydraConfig } from "../config/schema.js";
import type { AgentRegistry } from "../discovery/agent-registry.js";
import {
  BadRequestError,
  ModelNotFoundError,
  NoNodeAvailableError,
  TotalTimeoutError,
  UpstreamError,
} from "../errors.js";
import type { Orchestrator } from "../orchestrator/orchestrator.js";
import { PRIORITY_MAX } from "../pool/admission/config.js";
import { PRIORITY_HEADER, parsePriority } from "../pool/admission/priority.js";
import type { PoolNode } from "../pool/node.js";
import type { Dispatch, NodePool, RouteOptions } from "../pool/pool.js";
import { requestFeatures } from "../pool/router/features.js";
import { type RoutingStrategy, routingStrategySchema } from "../pool/router/strategies.js";
import type { GenerationStats } from "../protocol/ollama/types.js";
import { tellRequestOutcome } from "../telemetry/request-span.js";
import { traceRoute } from "../telemetry/route-span.js";
import { currentTrace, REQUEST_ID_HEADER, type TracedScope } from "../telemetry/scope.js";
import { abortWhenClientLeaves } from "./client-gone.js";
import type { EventBus } from "./events/bus.js";
import type { HydraEventMap } from "./events/types.js";
import type { InFlightRequests, Ticket } from "./in-flight.js";
import type { GatewayMetrics } from "./metrics.js";
import { bearerKeyOf } from "./rate-limit/hook.js";
import type { RateLimiter } from "./rate-limit/limiter.js";
import type { TrafficRecorder } from "./traffic/recorder.js";

export interface GatewayContext {
  /** Requests in progress, so that a drain can wait for them and stop the ones that outlive it. */
  inFlight: InFlightRequests;
  /** Default priority per API key (auth.keys entries with a priority). */
  keyPriorities: ReadonlyMap<string, number>;
  /** Set by a drain: readiness says 503 and no new request starts. */
  draining: boolean;
  pool: NodePool;
  metrics: GatewayMetrics;
  log: FastifyBaseLogger;
  config: HydraConfig;
  limiter: RateLimiter;
  /** Live events for the event stream and the dashboard. */
  events: EventBus;
  /** Recent traffic second by second, for the dashboard's charts. */
  traffic: TrafficRecorder;
  /** The node agents that registered, for the calls that go through them (pulls). */
  agents: AgentRegistry;
  /** The orchestrator, opened on first use (the model "hydra", /v1/hydra/generate). */
  orchestrator: () => Promise<Orchestrator | undefined>;
}

export interface ExchangeRequest {
  /** The client-facing route, for metrics and logs. */
  route: string;
  /** The node's (Ollama native) path. */
  path: string;
  model: string;
  body?: Record<string, unknown>;
  /** The client's JSON text, forwarded as is when no field needs changing. */
  rawBody?: string;
}

/** Status recorded when the client went away before the answer was complete (nginx's convention). */
export const CLIENT_CLOSED_STATUS = 499;

export class Exchange {
  #dispatch: Dispatch;
  /** The model that is really answering (differs from the request's after a fallback). */
  model: string;
  /** Upstream attempts that produced an answer: 1, plus one per mid-stream continuation. */
  legs = 1;
  readonly #ctx: GatewayContext;
  readonly #request: ExchangeRequest;
  readonly #startedAt: number;
  readonly #startedAtEpoch: number;
  readonly #ticket: Ticket;
  readonly #brokenNodes = new Set<string>();
  readonly #apiKey: string | undefined;
  readonly #priority: number;
  readonly #requestId: string;
  /** The request's trace scope; undefined when tracing is off. */
  readonly #trace: TracedScope | undefined;
  #firstTokenSeen = false;
  #firstTokenMs: number | undefined;
  #completed = false;

  private constructor(
    ctx: GatewayContext,
    request: ExchangeRequest,
    dispatch: Dispatch,
    model: string,
    timing: {
      startedAt: number;
      startedAtEpoch: number;
      ticket: Ticket;
      priority: number;
      apiKey: string | undefined;
      requestId: string;
      trace: TracedScope | undefined;
    },
  ) {
    this.#ctx = ctx;
    this.#request = request;
    this.#dispatch = dispatch;
    this.model = model;
    this.#startedAt = timing.startedAt;
    this.#startedAtEpoch = timing.startedAtEpoch;
    this.#ticket = timing.ticket;
    this.#priority = timing.priority;
    this.#apiKey = timing.apiKey;
    this.#requestId = timing.requestId;
    this.#trace = timing.trace;
  }

  static async open(ctx: GatewayContext, request: ExchangeRequest, reply: FastifyReply): Promise<Exchange> {
    const ticket = ctx.inFlight.open();
    const { totalTimeoutMs } = ctx.config.upstream;
    if (totalTimeoutMs > 0) {
      ticket.timer = setTimeout(() => ticket.stop(new TotalTimeoutError(totalTimeoutMs)), totalTimeoutMs);
      ticket.timer.unref();
    }
    const timing = { startedAt: performance.now(), startedAtEpoch: Date.now(), ticket };
    abortWhenClientLeaves(reply, ticket.abort);
    try {
      const header = reply.request.headers[PRIORITY_HEADER];
      const key = bearerKeyOf(reply.request);
      const fallback =
        (key === undefined ? undefined : ctx.keyPriorities.get(key)) ?? ctx.config.admission.defaultPriority;
      const priority = parsePriority(Array.isArray(header) ? header[0] : header, undefined, fallback);
      const route = routeOf(ctx, reply, request, priority);
      const requestId = reply.request.id;
      if (ctx.events.wants("request.started"))
        ctx.events.publish("request.started", {
          requestId,
          route: request.route,
          model: request.model,
          priority,
        });
      const trace = currentTrace();
      const routing = { ...timing, priority, route, requestId };
      const { dispatch, model } =
        trace === undefined
          ? await dispatchWithFallbacks(ctx, request, routing)
          : await traceRoute(
              trace,
              { model: request.model, strategy: route.strategy },
              () => dispatchWithFallbacks(ctx, request, routing),
              (routed) => routed.dispatch,
            );
      const summary = describeRoute(dispatch);
      reply.header("x-hydra-node", dispatch.node.name);
      reply.header("x-hydra-route", summary);
      if (model !== request.model) reply.header("x-hydra-model", model);
      ctx.metrics.recordRouteDecision(route.strategy ?? ctx.pool.strategy, dispatch.node.name);
      if (ctx.events.wants("route.decision"))
        ctx.events.publish("route.decision", routeDecision(requestId, model, route, dispatch, summary));
      return new Exchange(ctx, request, dispatch, model, {
        ...timing,
        priority,
        apiKey: key,
        requestId,
        trace,
      });
    } catch (error) {
      ctx.inFlight.close(ticket);
      if (ticket.stopError !== undefined) throw ticket.stopError;
      throw error;
    }
  }

  get dispatch(): Dispatch {
    return this.#dispatch;
  }

  get node(): PoolNode {
    return this.#dispatch.node;
  }

  get path(): string {
    return this.#request.path;
  }

  /** The client went away (as opposed to the gateway stopping the exchange). */
  get clientGone(): boolean {
    return this.#ticket.abort.signal.aborted && this.#ticket.stopReason === undefined;
  }

  /** Why the gateway stopped this exchange (drain time over, total timeout), if it did. */
  get stopReason(): string | undefined {
    return this.#ticket.stopReason;
  }

  get stopError(): Error | undefined {
    return this.#ticket.stopError;
  }

  /** Milliseconds since the request arrived. */
  get elapsedMs(): number {
    return performance.now() - this.#startedAt;
  }

  /** The upstream body as sent on the first leg (parsed on demand), with the model that answers. */
  upstreamBody(): Record<string, unknown> {
    const body = this.#request.body ?? (JSON.parse(this.#request.rawBody ?? "{}") as Record<string, unknown>);
    return { ...body, model: this.model };
  }

  /** Call on every chunk that carries generated text; only the first one counts. */
  firstToken(): void {
    if (this.#firstTokenSeen) return;
    this.#firstTokenSeen = true;
    this.#firstTokenMs = this.elapsedMs;
    this.#ctx.metrics.recordFirstToken(this.model, this.node.name, this.#firstTokenMs / 1000);
    this.#ctx.pool.ttft.record(this.node.name, this.model, this.#firstTokenMs);
  }

  /**
   * The current node broke the stream after sending part of the answer: send `body`
   * (the request plus what was already sent) to another node, and carry on with its
   * answer. Throws when no other node can take it or the retry budget is spent.
   */
  async continueElsewhere(body: Record<string, unknown>, reason: string): Promise<void> {
    const retry = this.#ctx.config.retry;
    if (this.legs >= retry.maxAttempts)
      throw new NoNodeAvailableError(`gave up after ${this.legs} attempts (${reason})`);
    this.#brokenNodes.add(this.node.name);
    this.#ctx.pool.noteBrokenStream(this.node, reason);
    this.#dispatch.upstream?.failed("stream", 200, reason);
    this.#dispatch.release();
    this.#ctx.metrics.recordFailover(this.model, this.node.name, "mid_stream");
    const redispatch = () =>
      this.#ctx.pool.dispatch(
        this.model,
        {
          method: "POST",
          path: this.#request.path,
          body,
          headers: { [REQUEST_ID_HEADER]: this.#requestId },
          signal: this.#ticket.abort.signal,
        },
        // A continuation already holds a client half-way through an answer: it goes first.
        { exclude: this.#brokenNodes, startedAt: this.#startedAtEpoch, priority: PRIORITY_MAX },
      );
    const trace = this.#trace;
    this.#dispatch =
      trace === undefined
        ? await redispatch()
        : await traceRoute(trace, { model: this.model, continuation: true }, redispatch, (routed) => routed);
    this.legs++;
  }

  /** Ends the exchange: releases the node, records metrics, and cancels the upstream if it is still open. */
  complete(status: number, stats?: Partial<GenerationStats>, error?: string): void {
    if (this.#completed) return;
    this.#completed = true;
    this.#ctx.inFlight.close(this.#ticket);
    const clientGone = this.clientGone;
    this.#dispatch.release();
    if (!clientGone && status !== 200) this.#ticket.abort.abort();
    const seconds = this.elapsedMs / 1000;
    const { route } = this.#request;
    const model = this.model;
    const finalStatus = clientGone ? CLIENT_CLOSED_STATUS : status;
    this.#ctx.metrics.recordRequest({ route, model, node: this.node.name, status: finalStatus, seconds });
    this.#ctx.traffic.record({
      at: Date.now(),
      node: this.node.name,
      model,
      status: finalStatus,
      ms: seconds * 1000,
      ...(this.#firstTokenMs === undefined ? {} : { ttftMs: this.#firstTokenMs }),
      completionTokens: stats?.eval_count ?? 0,
    });
    if (stats) {
      this.#ctx.metrics.recordGeneration(model, this.node.name, stats);
      if (finalStatus === 200 && this.legs === 1)
        this.#ctx.pool.stats.record(this.node.name, model, stats, this.node.modelSizeMb(model));
      this.#ctx.limiter.recordTokens(this.#apiKey, (stats.prompt_eval_count ?? 0) + (stats.eval_count ?? 0));
      if (finalStatus === 200) this.node.noteLoaded(model);
    }
    const fields = {
      route,
      model,
      node: this.node.name,
      status: finalStatus,
      ms: Math.round(seconds * 1000),
      legs: this.legs,
    };
    if (this.#ctx.events.wants("request.finished")) {
      this.#ctx.events.publish("request.finished", {
        requestId: this.#requestId,
        ...fields,
        promptTokens: stats?.prompt_eval_count ?? 0,
        outputTokens: stats?.eval_count ?? 0,
        ...(finalStatus === 200 ? {} : { error: error ?? "client closed the connection" }),
      });
    }
    const requestSpan = this.#trace?.trace.request;
    if (requestSpan !== undefined) tellRequestOutcome(requestSpan, { ...fields, error });
    // The root logger has no request binding: reqId ties the line to the request's other lines.
    if (finalStatus === 200) this.#ctx.log.debug({ reqId: this.#requestId, ...fields }, "request completed");
    else
      this.#ctx.log.warn(
        { reqId: this.#requestId, ...fields, error: error ?? "client closed the connection" },
        "request failed",
      );
  }

  /** Stops the upstream request; used when the client is gone or the relay gives up. */
  cancel(): void {
    this.#ticket.abort.abort();
  }
}

/**
 * Dispatches the request, and when no node can serve its model, the models of its
 * `fallbacks` chain in order; a prompt too long for the model's context goes down
 * its `contextWindowFallbacks` chain instead.
 */
async function dispatchWithFallbacks(
  ctx: GatewayContext,
  request: ExchangeRequest,
  timing: {
    startedAtEpoch: number;
    ticket: Ticket;
    priority: number;
    route: RouteOptions;
    requestId: string;
  },
): Promise<{ dispatch: Dispatch; model: string }> {
  const { fallbacks, contextWindowFallbacks } = ctx.config;
  let model = request.model;
  let chain: readonly string[] = [];
  let chainKind: "fallbacks" | "context" | undefined;
  for (;;) {
    try {
      const body = model === request.model ? request.body : withModel(request, model);
      const rawBody = model === request.model && request.body === undefined ? request.rawBody : undefined;
      const upstream = {
        method: "POST" as const,
        path: request.path,
        body,
        rawBody,
        // The node's logs (and a proxy's) can be matched to the gateway's.
        headers: { [REQUEST_ID_HEADER]: timing.requestId },
        signal: timing.ticket.abort.signal,
      };
      const options = { startedAt: timing.startedAtEpoch, priority: timing.priority, route: timing.route };
      const { hedging } = ctx.config;
      const hedge = hedging.minPriority !== undefined && timing.priority >= hedging.minPriority;
      const dispatch = hedge
        ? await ctx.pool.dispatchHedged(model, upstream, options, (node) => {
            return ctx.pool.ttft.percentile(node, model, hedging.percentile) ?? hedging.defaultDelayMs;
          })
        : await ctx.pool.dispatch(model, upstream, options);
      return { dispatch, model };
    } catch (error) {
      const contextTooLong = error instanceof UpstreamError && error.kind === "context_length";
      const unavailable = error instanceof ModelNotFoundError || error instanceof NoNodeAvailableError;
      if (contextTooLong && chainKind !== "context") {
        chain = contextWindowFallbacks[model] ?? [];
        chainKind = "context";
      } else if (unavailable && chainKind === undefined) {
        chain = fallbacks[model] ?? [];
        chainKind = "fallbacks";
      } else if (!(contextTooLong || unavailable)) {
        throw error;
      }
      const next = chain[0];
      if (next === undefined) throw error;
      chain = chain.slice(1);
      ctx.log.info(
        { reqId: timing.requestId, from: model, to: next, reason: (error as Error).message },
        "falling back to another model",
      );
      model = next;
    }
  }
}

function withModel(request: ExchangeRequest, model: string): Record<string, unknown> {
  const body = request.body ?? (JSON.parse(request.rawBody ?? "{}") as Record<string, unknown>);
  return { ...body, model };
}

export const STRATEGY_HEADER = "x-hydra-strategy";

/** The router's view of the request: its features, and a strategy the client may choose. */
function routeOf(
  ctx: GatewayContext,
  reply: FastifyReply,
  request: ExchangeRequest,
  priority: number,
): RouteOptions {
  const { headers } = reply.request;
  const features = requestFeatures(
    { path: request.route, body: reply.request.body, headers },
    { defaultPriority: priority },
  );
  return { features, strategy: strategyOf(headers[STRATEGY_HEADER]) ?? ctx.pool.strategy };
}

function strategyOf(header: string | string[] | undefined): RoutingStrategy | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value === "") return undefined;
  const parsed = routingStrategySchema.safeParse(value.trim());
  if (!parsed.success) {
    throw new BadRequestError(
      `invalid ${STRATEGY_HEADER} "${value}": use one of ${routingStrategySchema.options.join(", ")}`,
    );
  }
  return parsed.data;
}

function routeDecision(
  requestId: string,
  model: string,
  route: RouteOptions,
  dispatch: Dispatch,
  summary: string,
): HydraEventMap["route.decision"] {
  return {
    requestId,
    model,
    strategy: route.strategy ?? "intelligent",
    node: dispatch.node.name,
    runnerUp: dispatch.ranking.find((candidate) => candidate.name !== dispatch.node.name)?.name ?? null,
    summary,
    candidates: dispatch.ranking.map((candidate) => ({
      node: candidate.name,
      estimatedMs: Math.round(candidate.estimatedMs),
      breakdown: candidate.breakdown,
      reason: candidate.reason,
    })),
  };
}

/** `x-hydra-route`: the node chosen, the runner-up, their estimates and the main factors. */
export function describeRoute(dispatch: Dispatch): string {
  const chosen = dispatch.ranking.find((candidate) => candidate.name === dispatch.node.name);
  const runnerUp = dispatch.ranking.find((candidate) => candidate.name !== dispatch.node.name);
  const estimate = (candidate: (typeof dispatch.ranking)[number]) => {
    const { waitMs, loadMs, prefillMs, decodeMs, penaltyMs, bonusMs } = candidate.breakdown;
    const factors = {
      wait: waitMs,
      load: loadMs,
      prefill: prefillMs,
      decode: decodeMs,
      penalty: penaltyMs,
      bonus: -bonusMs,
    };
    const main = Object.entries(factors)
      .filter(([, ms]) => Math.abs(ms) >= 1)
      .map(([name, ms]) => `${name} ${Math.round(ms)}`)
      .join(" ");
    return `${candidate.name} ~${Math.round(candidate.estimatedMs)} ms${main ? ` (${main})` : ""}`;
  };
  const parts = [chosen ? estimate(chosen) : dispatch.node.name];
  if (runnerUp) parts.push(`runner-up ${estimate(runnerUp)}`);
  return parts.join("; ");
}
