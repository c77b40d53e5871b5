/**
 * A small gateway with only the agent routes and the registry, as the agent tests need it
 * (the full gateway mounts the same plugin).
 */
import Fastify, { type FastifyInstance } from "fastify";
import { hydraConfigSchema } from "../../src/config/schema.js";
import { AgentRegistry } from "../../src/discovery/agent-registry.js";
import { registerJsonBodyParser } from "../../src/gateway/body.js";
import { installErrorHandler } from "../../src/gateway/http-errors.js";
import { agentRoutes } from "../../src/gateway/routes/agents.js";
import { createGateway, type Gateway } from "../../src/gateway/server.js";

export const TEST_SECRET = "test-cluster-secret-0123456789";

export interface AgentGatewayOptions {
  secret?: string | undefined;
  heartbeatIntervalMs?: number;
  staleAfterMs?: number;
  forgetAfterMs?: number;
  maxSkewMs?: number;
  now?: () => number;
}

export interface AgentGateway {
  app: FastifyInstance;
  registry: AgentRegistry;
  close(): Promise<void>;
}

export function buildAgentGateway(options: AgentGatewayOptions = {}): AgentGateway {
  const registry = new AgentRegistry({
    staleAfterMs: options.staleAfterMs ?? 15_000,
    forgetAfterMs: options.forgetAfterMs ?? 600_000,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const app = Fastify({ logger: false });
  registerJsonBodyParser(app);
  installErrorHandler(app, 1024 * 1024);
  app.register(agentRoutes, {
    registry,
    secret: "secret" in options ? options.secret : TEST_SECRET,
    maxSkewMs: options.maxSkewMs ?? 30_000,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 5_000,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  return {
    app,
    registry,
    async close() {
      registry.stop();
      await app.close();
    },
  };
}

/**
 * The real gateway (no static nodes; agents bring theirs), listening on a free port. The
 * registry is the gateway's own, so the tests see what the pool sees.
 */
export async function startAgentGateway(
  options: AgentGatewayOptions = {},
): Promise<AgentGateway & { url: string; gateway: Gateway }> {
  const config = hydraConfigSchema.parse({
    server: { port: 0 },
    log: { level: "silent" },
    agents: {
      secret: "secret" in options ? options.secret : TEST_SECRET,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 5_000,
      staleAfterMs: options.staleAfterMs ?? 15_000,
      forgetAfterMs: options.forgetAfterMs ?? 600_000,
      maxClockSkewMs: options.maxSkewMs ?? 30_000,
    },
  });
  const gateway = createGateway(config);
  const url = await gateway.start();
  return { app: gateway.app, registry: gateway.agents, gateway, url, close: () => gateway.close() };
}
