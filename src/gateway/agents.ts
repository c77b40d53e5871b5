/**
 * Node agents joined to the pool: an agent that registers brings its Ollama into the pool
 * (or attaches its reports to the node already there under any spelling of the same URL),
 * its heartbeats keep the node's VRAM and staleness current, and its leaving takes out the
 * node it brought.
 */
import type { FastifyBaseLogger } from "fastify";
import type { AgentsConfig } from "../agent/config.js";
import { normalizeNodeUrl } from "../config/node-url.js";
import {
  type AgentRecord,
  AgentRegistry,
  agentNodeConfig,
  agentResources,
} from "../discovery/agent-registry.js";
import { findSameNode, localAddresses } from "../discovery/identity.js";
import type { NodePool } from "../pool/pool.js";

/** Per registry, the pool node each agent reports to (agentId → node name). */
const agentNodes = new WeakMap<AgentRegistry, ReadonlyMap<string, { name: string }>>();

/** The pool node an agent's reports go to (its own name unless it joined a node already there). */
export function agentNodeName(registry: AgentRegistry, record: AgentRecord): string {
  return agentNodes.get(registry)?.get(record.agentId)?.name ?? record.name;
}

export function createAgentRegistry(
  pool: NodePool,
  config: AgentsConfig,
  log: FastifyBaseLogger,
): AgentRegistry {
  const registry = new AgentRegistry({
    staleAfterMs: config.staleAfterMs,
    forgetAfterMs: config.forgetAfterMs,
  });
  const local = localAddresses();
  /** agentId → the pool node its reports go to, and whether the agent brought it. */
  const nodes = new Map<string, { name: string; owned: boolean }>();
  agentNodes.set(registry, nodes);

  const nodeFor = (record: AgentRecord) => {
    const known = nodes.get(record.agentId);
    if (known !== undefined && pool.node(known.name) !== undefined) return known.name;
    const existing = findSameNode(pool.nodes, record.ollamaUrl, local);
    const config = agentNodeConfig(record);
    const node = existing ?? pool.addNode({ ...config, url: normalizeNodeUrl(config.url) }, "agent");
    nodes.set(record.agentId, { name: node.name, owned: existing === undefined });
    return node.name;
  };
  const report = (record: AgentRecord) => pool.setResources(nodeFor(record), agentResources(record));

  // The registry's listeners run in its sweep timer: one that threw would take the gateway down.
  const guarded =
    (what: string, handler: (record: AgentRecord) => void) =>
    (record: AgentRecord): void => {
      try {
        handler(record);
      } catch (error) {
        log.error({ err: error, agentId: record.agentId }, `agent ${record.name}: ${what} failed`);
      }
    };
  registry.on(
    "joined",
    guarded("join", (record) => {
      report(record);
      log.info({ agentId: record.agentId, node: nodeFor(record) }, `agent ${record.name} joined`);
    }),
  );
  registry.on("updated", guarded("update", report));
  registry.on("fresh", guarded("update", report));
  registry.on(
    "stale",
    guarded("stale", (record) => {
      report(record);
      log.warn(
        { agentId: record.agentId },
        `agent ${record.name} missed its heartbeats: its node takes no new requests`,
      );
    }),
  );
  registry.on("left", (record, reason) =>
    guarded("leave", () => {
      const node = nodes.get(record.agentId);
      nodes.delete(record.agentId);
      if (node === undefined) return;
      // A node listed in config or found by a scan stays; it only loses the agent's reports.
      if (node.owned) pool.removeNode(node.name, `agent ${reason}`);
      else pool.setResources(node.name, undefined);
      log.info({ agentId: record.agentId, node: node.name, reason }, `agent ${record.name} left (${reason})`);
    })(record),
  );
  return registry;
}
