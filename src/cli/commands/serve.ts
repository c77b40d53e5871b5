import { type ConfigFlags, loadConfig } from "../../config/load.js";
import { isLoopbackHost } from "../../gateway/auth.js";
import { createGateway } from "../../gateway/server.js";
import { exitWithError } from "../exit.js";
import { onShutdown } from "../shutdown.js";

export interface ServeOptions {
  config?: string;
  host?: string;
  port?: number;
  dataDir?: string;
  node?: string[];
  logLevel?: string;
}

export async function serve(options: ServeOptions): Promise<void> {
  const flags: ConfigFlags = {
    ...(options.config === undefined ? {} : { config: options.config }),
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.node === undefined ? {} : { nodes: options.node }),
    ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
  };
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ flags });
  } catch (error) {
    exitWithError(error);
  }
  const gateway = createGateway(config);
  if (!isLoopbackHost(config.server.host) && config.auth.keys.length === 0) {
    const warning = `WARNING: listening on ${config.server.host} without API keys: anyone who can reach this address can use every node. Set auth.keys in hydra.yaml or HYDRA_API_KEYS.`;
    gateway.app.log.warn(warning);
    process.stderr.write(`hydra: ${warning}\n`);
  }
  const url = await gateway.start();
  const up = gateway.pool.nodes.filter((node) => node.healthy).length;
  gateway.app.log.info(
    {
      url,
      nodes: gateway.pool.nodes.map((node) => ({ name: node.name, url: node.url, health: node.health })),
    },
    "gateway listening",
  );
  // Logs are JSON on stdout; this one line is for the person (or script) who started it.
  process.stderr.write(`hydra: gateway on ${url} with ${up}/${gateway.pool.nodes.length} nodes up\n`);
  onShutdown(async () => {
    const { completed, stopped } = await gateway.drain();
    process.stderr.write(`hydra: drained (${completed} finished, ${stopped} stopped)\n`);
  });
}
