/**
 * Assembles the gateway: one Fastify server with the Ollama, OpenAI and Hydra APIs
 * as separate plugins over one node pool.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import pino, { type Logger } from "pino";
import type { HydraConfig } from "../config/schema.js";
import { type BackendFactory, NodePool } from "../pool/pool.js";
import { installAuth } from "./auth.js";
import { registerJsonBodyParser } from "./body.js";
import type { GatewayContext } from "./exchange.js";
import { installErrorHandler } from "./http-errors.js";
import { GatewayMetrics } from "./metrics.js";
import { bearerKeyOf, installRateLimits } from "./rate-limit/hook.js";
import { RateLimiter } from "./rate-limit/limiter.js";
import { ollamaApiRoutes } from "./routes/ollama-api.js";
import { ollamaModelRoutes } from "./routes/ollama-models.js";
import { openaiApiRoutes } from "./routes/openai-api.js";
import { opsRoutes } from "./routes/ops.js";

export interface GatewayOptions {
  logger?: Logger;
  backendFactory?: BackendFactory;
}

export interface Gateway {
  app: FastifyInstance;
  pool: NodePool;
  metrics: GatewayMetrics;
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
  });
  const limiter = new RateLimiter(config.rateLimits);
  const ctx: GatewayContext = { pool, metrics, log: app.log, config, limiter };

  pool.on("node-health", (change) => app.log.info(change, `node ${change.node} is ${change.to}`));
  registerJsonBodyParser(app);
  installErrorHandler(app, config.server.bodyLimit);
  installAuth(app, config.auth.keys);
  // After auth, so that an invalid key is refused before it gets a budget of its own.
  installRateLimits(app, limiter, bearerKeyOf);
  for (const routes of [opsRoutes, ollamaApiRoutes, ollamaModelRoutes, openaiApiRoutes]) {
    app.register(async (scope) => routes(scope, ctx));
  }

  return {
    app,
    pool,
    metrics,
    async start() {
      // Listen at once; requests that come before the nodes' first inventory wait for it.
      const [url] = await Promise.all([
        app.listen({ host: config.server.host, port: config.server.port }),
        pool.start(),
      ]);
      return url;
    },
    async close() {
      await app.close();
      await pool.stop();
    },
  };
}
