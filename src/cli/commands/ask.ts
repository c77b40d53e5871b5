/**
 * `hydra ask "..."`: runs a request through the orchestrator and shows its progress live on
 * stderr (analysis, the plan, each subtask starting and finishing on which models and nodes),
 * then prints the answer on stdout.
 */
import { describeProgress, type Progress } from "../../orchestrator/progress.js";

export interface AskOptions {
  gateway: string;
  apiKey?: string;
  strategy?: string;
  model?: string[];
  json?: boolean;
}

export async function ask(prompt: string, options: AskOptions): Promise<void> {
  const url = `${options.gateway.replace(/\/+$/, "")}/v1/hydra/generate`;
  const body = {
    prompt,
    stream: true,
    ...(options.strategy ? { strategy: options.strategy } : {}),
    ...(options.model && options.model.length > 0 ? { models: options.model } : {}),
  };
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
      },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new Error(
      `cannot reach the gateway at ${options.gateway} (${(error as Error).cause ?? (error as Error).message}); is 'hydra serve' running? Use --gateway URL`,
    );
  }
  if (!response.ok || response.body === null) {
    throw new Error(`the gateway answered HTTP ${response.status}: ${await response.text()}`);
  }
  const decoder = new TextDecoder();
  let buffer = "";
  let result: Progress | undefined;
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event === undefined || data === undefined) continue;
      const progress = JSON.parse(data) as Progress;
      if (event === "result") result = progress;
      else if (event === "error") throw new Error(`the orchestration failed: ${String(progress.error)}`);
      else if (!options.json) process.stderr.write(describeProgress(event, progress));
    }
  }
  if (result === undefined) throw new Error("the gateway ended the stream without a result");
  if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else process.stdout.write(`${result.answer ?? ""}\n`);
}
