/**
 * One JSON request from inside Hydra (the orchestrator's model calls, embeddings for memory)
 * through the pool, like any client request: routed with its features, admitted, retried. The
 * answer is read whole; its node's slot is released however it ends.
 */
import { UpstreamError } from "../errors.js";
import type { PoolNode } from "./node.js";
import type { NodePool } from "./pool.js";
import { requestFeatures } from "./router/features.js";

export interface PoolCallOptions {
  priority?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** The node's JSON answer and which node gave it; a non-2xx answer is an UpstreamError. */
export async function callPool(
  pool: Pick<NodePool, "dispatch">,
  model: string,
  path: string,
  body: Record<string, unknown>,
  options: PoolCallOptions = {},
): Promise<{ node: PoolNode; answer: unknown }> {
  const dispatch = await pool.dispatch(
    model,
    { method: "POST", path, body, ...(options.signal ? { signal: options.signal } : {}) },
    {
      route: { features: requestFeatures({ path, body, headers: {} }) },
      ...(options.priority === undefined ? {} : { priority: options.priority }),
    },
  );
  try {
    const { status } = dispatch.response;
    if (status < 200 || status >= 300) {
      const text = await dispatch.response.body.text();
      throw new UpstreamError(dispatch.node.name, status, `${path} failed: ${text.slice(0, 500)}`);
    }
    return { node: dispatch.node, answer: await dispatch.response.body.json() };
  } finally {
    dispatch.release();
  }
}
