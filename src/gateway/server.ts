/**
 * Assembles the gateway: one Fastify server with the Ollama, OpenAI and Hydra APIs
 * as separate plugins over one node pool.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import pino, { type Logger } from "pino";
import { apiKeys, type HydraConfig } from "../config/schema.js";
import { dashboardRoutes } from "../dashboard/plugin.js";
import type { AgentRegistry } from "../discovery/agent-registry.js";
import { ShuttingDownError } from "../errors.js";
import { type BackendFactory, NodePool } from "../pool/pool.js";
import { RedisSharedState } from "../pool/shared-state/redis-sync.js";
import { installRequestTracing } from "../telemetry/request-span.js";
import { createTracing, type Tracing } from "../telemetry/tracing.js";
import { createAgentRegistry } from "./agents.js";
import { installAuth } from "./auth.js";
import { registerJsonBodyParser } from "./body.js";
import { installResponseCache } from "./cache/response-cache.js";
import { type RunningDiscovery, startDiscovery } from "./discovery.js";
import { EventBus } from "./events/bus.js";
import { orchestrationEvent } from "./events/orchestration.js";
import type { GatewayContext } from "./exchange.js";
import { installErrorHandler } from "./http-errors.js";
import { InFlightRequests } from "./in-flight.js";
import { lazySemanticMemory, lazyTieredMemory } from "./memory.js";
import { GatewayMetrics } from "./metrics.js";
import { lazyOrchestrator } from "./orchestration.js";
import { bearerKeyOf, installRateLimits } from "./rate-limit/hook.js";
import { RateLimiter } from "./rate-limit/limiter.js";
import { adminRoutes } from "./routes/admin.js";
import { AGENT_SIGNED_PATHS, agentRoutes } from "./routes/agents.js";
import { clusterRoutes } from "./routes/cluster.js";
import { eventRoutes } from "./routes/events.js";
import { memoryRoutes } from "./routes/memory.js";
import { memorySearchRoutes } from "./routes/memory-search.js";
import { ollamaApiRoutes } from "./routes/ollama-api.js";
import { ollamaModelRoutes } from "./routes/ollama-models.js";
import { openaiApiRoutes } from "./routes/openai-api.js";
import { opsRoutes } from "./routes/ops.js";
import { orchestrateRoutes } from "./routes/orchestrate.js";
import { QueueWaits } from "./traffic/queue-waits.js";
import { TrafficRecorder } from "./traffic/recorder.js";

export interface GatewayOptions {
  logger?: Logger;
  backendFactory?: BackendFactory;
}

export interface Gateway {
  app: FastifyInstance;
  pool: NodePool;
  metrics: GatewayMetrics;
  events: EventBus;
  /** Node agents that registered (empty unless agents.secret is set). */
  agents: AgentRegistry;
  /** Learned statistics and ejections shared with other gateways through Redis (with `redis.url`). */
  sharedState: RedisSharedState | undefined;
  /** The OpenTelemetry tracer (with `telemetry.otlp.url`); `flush()` exports what has ended. */
  tracing: Tracing | undefined;
  /**
   * Graceful shutdown: readiness (/health) turns 503 and new requests are refused at
   * once; requests in flight may finish within `timeoutMs`, then the rest end with an
   * explicit error. Resolves when everything is closed.
   */
  drain(timeoutMs?: number): Promise<{ completed: number; stopped: number }>;
  /** Listens and reads the nodes' inventories; resolves to the base URL once both are done. */
  start(): Promise<string>;
  close(): Promise<void>;
}

export function createGateway(config: HydraConfig, options: GatewayOptions = {}): Gateway {
  const logger = options.logger ?? pino({ level: config.log.level });
  const pool = new NodePool({
    nodes: config.nodes,
    upstream: config.upstream,
    retry: config.retry,
    routing: config.routing,
    health: config.health,
    admission: config.admission,
    inventory: config.inventory,
    ...(options.backendFactory ? { backendFactory: options.backendFactory } : {}),
  });
  const metrics = new GatewayMetrics(pool);
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // One log line per request comes from the exchange, with node and model; Fastify's own would repeat it.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.server.bodyLimit,
    // Generations can run for minutes; a client's keep-alive connection must not be cut under it.
    requestTimeout: 0,
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
    // A caller's x-request-id is kept (logged, sent back, in events); otherwise one is made up.
    requestIdHeader: "x-request-id",
    genReqId: () => randomUUID(),
  });
  const events = new EventBus();
  const limiter = new RateLimiter(config.rateLimits);
  const semanticMemory = lazySemanticMemory(config, pool, app.log);
  // Undefined without an OTLP URL: then no hook, span or scope is added to any request.
  const tracing = createTracing(config.telemetry);
  const orchestrator = lazyOrchestrator(
    config,
    pool,
    app.log,
    () => semanticMemory.get(),
    (opened) => {
      metrics.watchOrchestrator(opened);
      opened.on("event", (event) => events.publish("orchestration", orchestrationEvent(event)));
    },
    tracing,
  );
  const ctx: GatewayContext = {
    pool,
    metrics,
    log: app.log,
    config,
    limiter,
    inFlight: new InFlightRequests(),
    keyPriorities: apiKeys(config.auth).priorities,
    draining: false,
    events,
    traffic: new TrafficRecorder(),
    agents: createAgentRegistry(pool, config.agents, app.log),
    orchestrator: () => orchestrator.get(),
  };
  const { agents } = ctx;

  publishPoolEvents(pool, events);
  const queueWaits = new QueueWaits();
  pool.admission.on("admitted", ({ priority, waitedMs }) => queueWaits.record(priority, waitedMs));
  const startedAt = Date.now();
  pool.on("node-health", (change) => app.log.info(change, `node ${change.node} inventory is ${change.to}`));
  pool.health.on("change", (change) => {
    const level = change.to === "open" || change.to === "degraded" ? "warn" : "info";
    app.log[level](change, `node ${change.node}: ${change.from} -> ${change.to} (${change.reason})`);
  });
  registerJsonBodyParser(app);
  installErrorHandler(app, config.server.bodyLimit);
  // First, so that requests refused by the hooks below are traced too.
  if (tracing !== undefined) installRequestTracing(app, tracing);
  app.addHook("onRequest", async (request) => {
    // Draining: liveness and readiness still answer (readiness says 503), nothing new starts.
    if (ctx.draining && request.url !== "/" && request.url !== "/health") throw new ShuttingDownError();
  });
  installAuth(app, apiKeys(config.auth).keys, AGENT_SIGNED_PATHS);
  // After auth, so that an invalid key is refused before it gets a budget of its own.
  installRateLimits(app, limiter, bearerKeyOf, AGENT_SIGNED_PATHS);
  // Set before the route runs: streamed answers write their headers straight to the socket.
  app.addHook("onRequest", (request, reply, done) => {
    reply.header("x-request-id", request.id);
    done();
  });
  const memory = lazyTieredMemory(config, app.log);
  installResponseCache(app, {
    config: config.responseCache,
    store: () => memory.get(),
    log: app.log,
    onOutcome: (outcome) => metrics.recordResponseCache(outcome),
  });
  metrics.watch({ events, agents, memory: () => memory.peek() });
  for (const routes of [opsRoutes, ollamaApiRoutes, ollamaModelRoutes, openaiApiRoutes]) {
    app.register(async (scope) => routes(scope, ctx));
  }
  app.register(async (scope) => eventRoutes(scope, events));
  app.register(async (scope) => clusterRoutes(scope, { ctx, queueWaits, startedAt }));
  app.register(async (scope) => adminRoutes(scope, ctx));
  app.register(dashboardRoutes);
  app.register(async (scope) => memoryRoutes(scope, { store: () => memory.get() }));
  app.register(async (scope) => orchestrateRoutes(scope, { orchestrator: () => orchestrator.get() }));
  app.register(async (scope) =>
    memorySearchRoutes(scope, { memory: () => semanticMemory.get(), maxK: config.memory.vectors.maxK }),
  );
  app.register(async (scope) =>
    agentRoutes(scope, {
      registry: agents,
      secret: config.agents.secret,
      maxSkewMs: config.agents.maxClockSkewMs,
      heartbeatIntervalMs: config.agents.heartbeatIntervalMs,
    }),
  );
  let discovery: RunningDiscovery | undefined;
  app.addHook("onClose", async () => {
    agents.stop();
    await Promise.all([discovery?.stop(), memory.close(), semanticMemory.close(), orchestrator.close()]);
  });
  const redisUrl = config.redis.url;
  const sharedState =
    redisUrl === undefined
      ? undefined
      : new RedisSharedState({
          ...config.redis,
          url: redisUrl,
          stats: pool.stats,
          health: pool.health,
          nodes: () => pool.nodes,
          log: app.log,
        });
  app.addHook("onClose", async () => sharedState?.stop());
  // Last: the spans of everything closed above are flushed to the collector.
  app.addHook("onClose", async () => tracing?.shutdown());

  return {
    app,
    pool,
    metrics,
    events,
    agents,
    sharedState,
    tracing,
    async start() {
      // Listen at once; requests that come before the nodes' first inventory wait for it.
      const [url] = await Promise.all([
        // What other gateways learned and ejected is taken over before the first request (a
        // missing Redis delays this by at most a couple of seconds; it is joined when it is back).
        (sharedState?.start() ?? Promise.resolve()).then(() =>
          app.listen({ host: config.server.host, port: config.server.port }),
        ),
        pool.start(),
      ]);
      agents.start();
      if (config.discovery.scan.length > 0) discovery = startDiscovery(pool, config.discovery, app.log);
      return url;
    },
    async drain(timeoutMs = config.server.drainTimeoutMs) {
      ctx.draining = true;
      const inFlight = ctx.inFlight.size;
      const outcome = await Promise.race([
        ctx.inFlight.whenIdle().then(() => "idle" as const),
        sleep(timeoutMs, "timeout" as const, { ref: false }),
      ]);
      let stopped = 0;
      if (outcome === "timeout") {
        stopped = ctx.inFlight.stopAll(
          new ShuttingDownError(`the gateway is shutting down and its drain time (${timeoutMs} ms) is over`),
        );
        await ctx.inFlight.whenIdle();
      }
      // Only idle keep-alive connections are left: close them rather than wait for their clients.
      const closing = app.close();
      app.server.closeAllConnections();
      await closing;
      await pool.stop();
      app.log.info({ inFlight, stopped }, "drained");
      return { completed: inFlight - stopped, stopped };
    },
    async close() {
      const closing = app.close();
      // Requests in flight may finish; then sockets that carry none (keep-alive, or opened by a
      // browser ahead of use and never sent a request) are closed rather than waited for.
      await ctx.inFlight.whenIdle();
      app.server.closeAllConnections();
      await closing;
      await pool.stop();
    },
  };
}

/** The pool's changes, as events for the stream (rare: published whether or not anyone listens). */
function publishPoolEvents(pool: NodePool, events: EventBus): void {
  pool.health.on("change", ({ node, from, to, reason }) =>
    events.publish("node.health", { node, from, to, reason }),
  );
  pool.on("node-added", (added) => events.publish("node.added", added));
  pool.on("node-removed", (removed) => events.publish("node.removed", removed));
  pool.on("node-stale", (stale) => events.publish("node.stale", stale));
  pool.on("hedge", (hedge) => events.publish("hedge", hedge));
  pool.on("node-drained", (drained) => events.publish("node.drained", drained));
  pool.on("strategy-changed", (change) => events.publish("routing.strategy", change));
  publishQueueChanges(pool, events);
  pool.on("attempt-failed", (failure) => {
    if (events.wants("request.retry")) events.publish("request.retry", failure);
  });
}

/**
 * Queue changes come in bursts (each admit and release): the first change is published at once,
 * then at most one every 250 ms, carrying the state at that moment.
 */
const QUEUE_EVENT_INTERVAL_MS = 250;

function publishQueueChanges(pool: NodePool, events: EventBus): void {
  let timer: NodeJS.Timeout | undefined;
  let lastAt = Number.NEGATIVE_INFINITY;
  let lastDepth = 0;
  const publish = () => {
    timer = undefined;
    const { depth, byPriority } = pool.admission.snapshot().queue;
    // Nothing waited before and nothing waits now: a burst that came and went between two looks.
    if (depth === 0 && lastDepth === 0) return;
    lastAt = performance.now();
    lastDepth = depth;
    events.publish("queue", {
      depth,
      levels: byPriority.map(({ priority, depth: waiting }) => ({ priority, depth: waiting })),
    });
  };
  pool.admission.on("queue", () => {
    if (timer !== undefined || !events.wants("queue")) return;
    const sinceLast = performance.now() - lastAt;
    if (sinceLast >= QUEUE_EVENT_INTERVAL_MS) publish();
    else {
      timer = setTimeout(publish, QUEUE_EVENT_INTERVAL_MS - sinceLast);
      timer.unref();
    }
  });
}
