/** Errors of the agent protocol, on the gateway's side and the agent's. */

import { HydraError } from "../errors.js";
import { CLUSTER_SECRET_ENV } from "./config.js";

/** A request to an agent route that is not signed with the cluster secret (or is replayed). */
export class AgentAuthError extends HydraError {
  constructor(reason: string) {
    super("HYDRA_ERR_AGENT_AUTH", 401, reason);
  }
}

/** The gateway has no cluster secret, so it accepts no agent. */
export class AgentsDisabledError extends HydraError {
  constructor() {
    super(
      "HYDRA_ERR_AGENTS_DISABLED",
      403,
      `this gateway accepts no agents: set agents.secret in hydra.yaml or ${CLUSTER_SECRET_ENV} (at least 16 characters, the same on every agent)`,
    );
  }
}

/** A heartbeat from an agent the gateway does not know (it restarted, or forgot a silent agent). */
export class UnknownAgentError extends HydraError {
  readonly agentId: string;
  constructor(agentId: string, detail = "it is not registered (the gateway may have restarted)") {
    super("HYDRA_ERR_UNKNOWN_AGENT", 404, `unknown agent "${agentId}": ${detail}; register again`);
    this.agentId = agentId;
  }
}

/** The gateway refused or did not answer a call of the agent. */
export class GatewayCallError extends Error {
  override readonly name = "GatewayCallError";
  /** HTTP status, absent when the gateway could not be reached. */
  readonly status: number | undefined;
  readonly code: string | undefined;
  constructor(message: string, options: { status?: number; code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
    this.code = options.code;
  }
}
