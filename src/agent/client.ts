/**
 * The gateway's side of calling an agent: a signed pull whose answer is Ollama's own
 * /api/pull NDJSON stream, passed through by the agent.
 */
import { type Dispatcher, request } from "undici";
import { AGENT_SERVER_PATHS, type AgentPullRequest } from "./protocol.js";
import { signRequest } from "./signing.js";

export interface AgentPullOptions {
  /** The agent's base URL (its registration's `agentUrl`). */
  agentUrl: string;
  secret: string;
  pull: AgentPullRequest;
  /** Abort to cancel: the agent cancels the download on Ollama too. */
  signal?: AbortSignal;
  dispatcher?: Dispatcher;
  now?: number;
}

/**
 * Starts a pull through the agent. A 200 answer's body is the progress stream (NDJSON lines
 * of `{status, digest?, total?, completed?}`, ending with `{"status":"success"}` or an `{error}`);
 * any other status carries `{error}`. The caller reads or dumps the body.
 */
export async function pullThroughAgent(options: AgentPullOptions): Promise<Dispatcher.ResponseData> {
  const url = new URL(`${options.agentUrl.replace(/\/+$/, "")}${AGENT_SERVER_PATHS.pull}`);
  const body = JSON.stringify(options.pull);
  return request(url, {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      ...signRequest({
        secret: options.secret,
        method: "POST",
        path: url.pathname,
        body,
        ...(options.now === undefined ? {} : { now: options.now }),
      }),
    },
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
  });
}
