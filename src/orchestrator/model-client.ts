/**
 * How the orchestrator talks to models: one non-streaming /api/chat through the pool, so the
 * router places every call, retries and failover apply, and the learned statistics grow.
 */

import { callPool } from "../pool/call.js";
import type { NodePool } from "../pool/pool.js";

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

interface ChatAnswer {
  message?: { content?: string };
  prompt_eval_count?: number;
  prompt_eval_duration?: number;
  eval_count?: number;
  eval_duration?: number;
  load_duration?: number;
}

export function poolModelCaller(pool: NodePool): ModelCaller {
  return async (call) => {
    const started = performance.now();
    const body = {
      model: call.model,
      messages: call.messages,
      stream: false,
      ...(call.format === undefined ? {} : { format: call.format }),
      ...(call.options === undefined ? {} : { options: call.options }),
    };
    const { node, answer } = await callPool(pool, call.model, "/api/chat", body, call);
    const chat = answer as ChatAnswer;
    // Calls that bypass the gateway's exchange teach the router all the same.
    pool.stats.record(node.name, call.model, chat, node.modelSizeMb(call.model));
    return {
      model: call.model,
      node: node.name,
      text: chat.message?.content ?? "",
      durationMs: performance.now() - started,
      promptTokens: chat.prompt_eval_count ?? 0,
      outputTokens: chat.eval_count ?? 0,
    };
  };
}
