/**
 * Network discovery joined to the pool: every Ollama node a scan of `discovery.scan` finds
 * joins the pool (named host:port), unless the pool already has it under another spelling
 * (localhost and 127.0.0.1 are one node).
 */
import type { FastifyBaseLogger } from "fastify";
import type { DiscoveryConfig } from "../discovery/config.js";
import { findSameNode, localAddresses } from "../discovery/identity.js";
import { DiscoveryService } from "../discovery/service.js";
import type { NodePool } from "../pool/pool.js";

export interface RunningDiscovery {
  stop(): Promise<void>;
}

export function startDiscovery(
  pool: NodePool,
  config: DiscoveryConfig,
  log: FastifyBaseLogger,
): RunningDiscovery {
  const local = localAddresses();
  const service = new DiscoveryService({
    config,
    localAddresses: local,
    isKnown: (url) => findSameNode(pool.nodes, url, local) !== undefined,
  });
  service.on("found", (found) => {
    const node = pool.addNode(
      { url: found.url, name: new URL(found.url).host, tags: [], weight: 1 },
      "discovery",
    );
    log.info(
      { node: node.name, url: found.url, version: found.version, models: found.models.length },
      `discovered Ollama ${found.version} at ${found.url} with ${found.models.length} model(s)`,
    );
  });
  service.on("scan", (pass) => log.debug(pass, "discovery scan done"));
  service.on("failed", ({ message }) => log.warn(`discovery scan failed: ${message}`));
  // A node that left (its agent deregistered) may be found again by a later scan.
  const onRemoved = ({ url }: { url: string }) => service.forget(url);
  pool.on("node-removed", onRemoved);
  service.start();
  return {
    async stop() {
      pool.off("node-removed", onRemoved);
      await service.stop();
    },
  };
}
