/**
 * One JSON request from inside Hydra (the orchestrator's model calls, embeddings for memory)
 * through the pool, like any client request: routed with its features, admitted, retried. The
 * answer is read whole; its node's slot is released however it ends.
 */
import { UpstreamError } from "../errors.js";
import { traceRoute } from "../telemetry/route-span.js";
import { currentScope, currentTrace, REQUEST_ID_HEADER } from "../telemetry/scope.js";
import type { PoolNode } from "./node.js";
import type { Dispatch, NodePool } from "./pool.js";
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
  // The request (or orchestration run) this call is made for: the node sees its id.
  const requestId = currentScope()?.requestId;
  const send = () =>
    pool.dispatch(
      model,
      {
        method: "POST",
        path,
        body,
        ...(requestId === undefined ? {} : { headers: { [REQUEST_ID_HEADER]: requestId } }),
        ...(options.signal ? { signal: options.signal } : {}),
      },
      {
        route: { features: requestFeatures({ path, body, headers: {} }) },
        ...(options.priority === undefined ? {} : { priority: options.priority }),
      },
    );
  const traced = currentTrace();
  const dispatch =
    traced === undefined
      ? await send()
      : await traceRoute(
          traced,
          // The pool's own strategy: internal calls never choose another (a test's fake pool may have none).
          { model, strategy: (pool as Partial<Pick<NodePool, "strategy">>).strategy },
          send,
          (routed: Dispatch) => routed,
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
