import { statfs } from "node:fs/promises";
import pino from "pino";
import { Agent } from "../../agent/agent.js";
import { CLUSTER_SECRET_ENV } from "../../agent/config.js";
import { normalizeNodeUrl } from "../../config/node-url.js";
import { ConfigError } from "../../errors.js";
import { exitWithError } from "../exit.js";
import { onShutdown } from "../shutdown.js";

export interface AgentCommandOptions {
  gateway?: string;
  secret?: string;
  ollama?: string;
  advertise?: string;
  agentUrl?: string;
  host?: string;
  port?: number;
  name?: string;
  tag?: string[];
  intervalMs?: number;
  diskPath?: string;
  slots?: number;
  logLevel?: string;
}

/** "gateway:8000" and "http://gateway:8000/" alike. */
function httpUrl(raw: string): string {
  const trimmed = raw.trim().replace(/\/+$/, "");
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
}

/** OLLAMA_NUM_PARALLEL, when this machine's Ollama was started with it in the same environment. */
function slotsFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const value = Number(env.OLLAMA_NUM_PARALLEL);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

export async function agent(
  options: AgentCommandOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  let instance: Agent;
  try {
    const secret = options.secret ?? env[CLUSTER_SECRET_ENV];
    if (secret === undefined || secret === "") {
      throw new ConfigError(
        `hydra agent needs the cluster secret: pass --secret <secret> or set ${CLUSTER_SECRET_ENV}, with the same value as the gateway's agents.secret (${CLUSTER_SECRET_ENV} there too)`,
      );
    }
    if (options.gateway === undefined) {
      throw new ConfigError(
        "hydra agent needs the gateway to register with: pass --gateway http://<gateway>:8000",
      );
    }
    const diskPath = options.diskPath ?? "/";
    await statfs(diskPath).catch((error: NodeJS.ErrnoException) => {
      throw new ConfigError(
        `--disk-path ${diskPath} cannot be read (${error.code ?? error.message}); give an existing directory, such as where Ollama keeps its models`,
      );
    });
    const ollamaUrl = normalizeNodeUrl(options.ollama ?? env.OLLAMA_HOST ?? "http://127.0.0.1:11434");
    const slots = options.slots ?? slotsFromEnv(env);
    instance = new Agent(
      {
        gatewayUrl: httpUrl(options.gateway),
        secret,
        ollamaUrl,
        ...(options.advertise === undefined ? {} : { advertiseUrl: normalizeNodeUrl(options.advertise) }),
        ...(options.agentUrl === undefined ? {} : { agentUrl: httpUrl(options.agentUrl) }),
        ...(options.host === undefined ? {} : { host: options.host }),
        ...(options.port === undefined ? {} : { port: options.port }),
        ...(options.name === undefined ? {} : { name: options.name }),
        ...(options.tag === undefined ? {} : { tags: options.tag }),
        ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }),
        ...(slots === undefined ? {} : { slots }),
        diskPath,
      },
      { logger: pino({ level: options.logLevel ?? "info" }) },
    );
  } catch (error) {
    exitWithError(error);
  }

  // Logs are JSON on stdout; these lines are for the person (or script) who started the agent.
  let lastFailure: string | undefined;
  instance.on("registered", ({ agentUrl, gatewayUrl, again }) => {
    lastFailure = undefined;
    process.stderr.write(
      `hydra: agent on ${agentUrl}, ${again ? "registered again" : "registered"} with ${gatewayUrl}\n`,
    );
  });
  instance.on("register-failed", ({ reason, retryInMs }) => {
    if (reason === lastFailure) return;
    lastFailure = reason;
    process.stderr.write(
      `hydra: cannot register with ${instance.options.gatewayUrl}: ${reason}; retrying (next in ${(retryInMs / 1000).toFixed(1)} s)\n`,
    );
  });
  try {
    await instance.start();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") {
      exitWithError(
        new Error(
          `port ${instance.options.port} on ${instance.options.host} is in use (another hydra agent?); pass --port`,
        ),
      );
    }
    exitWithError(error);
  }
  onShutdown(() => instance.stop());
}
