/**
 * How the orchestrator talks to models: one non-streaming /api/chat through the pool, so the
 * router places every call, retries and failover apply, and the learned statistics grow.
 */
import { UpstreamError } from "../errors.js";
import type { NodePool } from "../pool/pool.js";
import { requestFeatures } from "../pool/router/features.js";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface ModelCall {
  model: string;
  messages: ChatMessage[];
  /** Ollama's `format`: "json" or a JSON schema the answer must be an instance of. */
  format?: unknown;
  options?: Record<string, unknown>;
  priority?: number;
  signal?: AbortSignal;
}

export interface ModelAnswer {
  model: string;
  node: string;
  text: string;
  durationMs: number;
  promptTokens: number;
  outputTokens: number;
}

export type ModelCaller = (call: ModelCall) => Promise<ModelAnswer>;

export function poolModelCaller(pool: NodePool): ModelCaller {
  return async (call) => {
    const started = performance.now();
    const path = "/api/chat";
    const body = {
      model: call.model,
      messages: call.messages,
      stream: false,
      ...(call.format === undefined ? {} : { format: call.format }),
      ...(call.options === undefined ? {} : { options: call.options }),
    };
    const dispatch = await pool.dispatch(
      call.model,
      { method: "POST", path, body, ...(call.signal ? { signal: call.signal } : {}) },
      {
        route: { features: requestFeatures({ path, body, headers: {} }) },
        ...(call.priority === undefined ? {} : { priority: call.priority }),
      },
    );
    try {
      const text = await dispatch.response.body.text();
      if (dispatch.response.status !== 200) {
        throw new UpstreamError(dispatch.node.name, dispatch.response.status, text.slice(0, 500));
      }
      const answer = JSON.parse(text) as {
        message?: { content?: string };
        prompt_eval_count?: number;
        eval_count?: number;
        eval_duration?: number;
        prompt_eval_duration?: number;
        load_duration?: number;
      };
      pool.stats.record(dispatch.node.name, call.model, answer, dispatch.node.modelSizeMb(call.model));
      return {
        model: call.model,
        node: dispatch.node.name,
        text: answer.message?.content ?? "",
        durationMs: performance.now() - started,
        promptTokens: answer.prompt_eval_count ?? 0,
        outputTokens: answer.eval_count ?? 0,
      };
    } finally {
      dispatch.release();
    }
  };
}
