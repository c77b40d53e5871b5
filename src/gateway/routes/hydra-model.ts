/**
 * The model `hydra`: any Ollama or OpenAI chat client (editors, chat UIs) can ask the
 * orchestrator by choosing the model "hydra". The last user message is the request, the earlier
 * messages its context. Streams carry the orchestration's progress as thinking
 * (`message.thinking` for Ollama, `delta.reasoning_content` for OpenAI), then the answer.
 */
import type { FastifyReply } from "fastify";
import { BadRequestError, ShuttingDownError } from "../../errors.js";
import type {
  OrchestrationResult,
  Orchestrator,
  OrchestratorEvent,
} from "../../orchestrator/orchestrator.js";
import { describeProgress, type Progress } from "../../orchestrator/progress.js";
import { modelKey } from "../../protocol/ollama/model-name.js";
import { abortWhenClientLeaves } from "../client-gone.js";

export const HYDRA_MODEL = "hydra";

export function isHydraModel(model: string): boolean {
  return modelKey(model) === modelKey(HYDRA_MODEL);
}

interface Message {
  role: string;
  content?: unknown;
}

export async function answerAsHydra(
  orchestrator: () => Promise<Orchestrator | undefined>,
  reply: FastifyReply,
  options: {
    protocol: "ollama" | "openai";
    messages: readonly Message[];
    stream: boolean;
    priority?: number;
  },
): Promise<FastifyReply> {
  const texts = options.messages.map((message) => ({
    role: message.role,
    content: typeof message.content === "string" ? message.content : "",
  }));
  const lastUser = texts.findLastIndex((message) => message.role === "user");
  const prompt = texts[lastUser]?.content.trim() ?? "";
  if (prompt === "")
    throw new BadRequestError('model "hydra" needs a user message with text: the request to orchestrate');
  const context = texts
    .slice(0, lastUser)
    .map((message) => `${message.role}: ${message.content}`)
    .join("\n");
  const instance = await orchestrator();
  if (instance === undefined) throw new ShuttingDownError();
  const abort = abortWhenClientLeaves(reply);
  const task = {
    prompt,
    ...(context === "" ? {} : { context }),
    ...(options.priority === undefined ? {} : { priority: options.priority }),
  };
  const format = options.protocol === "ollama" ? ollamaFormat() : openaiFormat();
  if (!options.stream) {
    const result = await instance.run(task, { signal: abort.signal });
    return reply.send(format.single(result));
  }
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    "content-type": format.contentType,
    "cache-control": "no-cache",
    "x-hydra-node": "orchestrator",
  });
  const write = (text: string) => {
    if (!raw.destroyed) raw.write(text);
  };
  write(format.start());
  try {
    const result = await instance.run(task, {
      signal: abort.signal,
      onEvent: (event: OrchestratorEvent) => {
        const line = progressLine(event);
        if (line !== "") write(format.thinking(line));
      },
    });
    write(format.content(result.answer));
    write(format.end(result));
  } catch (error) {
    // The stream has begun: the failure is told in it, never a silent end.
    write(format.error((error as Error).message));
  }
  raw.end();
  return reply;
}

function progressLine(event: OrchestratorEvent): string {
  if (event.type === "workflow")
    return describeProgress(event.event.type, event.event as unknown as Progress);
  return describeProgress(event.type, event as unknown as Progress);
}

interface ProtocolFormat {
  contentType: string;
  single(result: OrchestrationResult): unknown;
  start(): string;
  thinking(text: string): string;
  content(text: string): string;
  end(result: OrchestrationResult): string;
  error(message: string): string;
}

function ollamaFormat(): ProtocolFormat {
  const createdAt = () => new Date().toISOString();
  const line = (value: unknown) => `${JSON.stringify(value)}\n`;
  const done = (result: OrchestrationResult) => ({
    model: HYDRA_MODEL,
    created_at: createdAt(),
    message: { role: "assistant", content: "" },
    done: true,
    done_reason: "stop",
    total_duration: Math.round(result.durationMs * 1e6),
  });
  return {
    contentType: "application/x-ndjson",
    single: (result) => ({ ...done(result), message: { role: "assistant", content: result.answer } }),
    start: () => "",
    thinking: (text) =>
      line({
        model: HYDRA_MODEL,
        created_at: createdAt(),
        message: { role: "assistant", content: "", thinking: text },
        done: false,
      }),
    content: (text) =>
      line({
        model: HYDRA_MODEL,
        created_at: createdAt(),
        message: { role: "assistant", content: text },
        done: false,
      }),
    end: (result) => line(done(result)),
    error: (message) => line({ error: message }),
  };
}

function openaiFormat(): ProtocolFormat {
  const id = `chatcmpl-hydra-${crypto.randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: HYDRA_MODEL, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  return {
    contentType: "text/event-stream; charset=utf-8",
    single: (result) => ({
      id,
      object: "chat.completion",
      created,
      model: HYDRA_MODEL,
      choices: [{ index: 0, message: { role: "assistant", content: result.answer }, finish_reason: "stop" }],
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    }),
    start: () => chunk({ role: "assistant", content: "" }),
    thinking: (text) => chunk({ reasoning_content: text }),
    content: (text) => chunk({ content: text }),
    end: () => `${chunk({}, "stop")}data: [DONE]\n\n`,
    error: (message) =>
      `data: ${JSON.stringify({ error: { message, type: "server_error" } })}\n\ndata: [DONE]\n\n`,
  };
}
