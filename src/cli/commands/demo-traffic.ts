/**
 * A gentle, steady load for `hydra demo`, so the dashboard's charts and routing stream have
 * something to show: Poisson arrivals of short chats over a few models and priorities.
 */
export interface BackgroundTraffic {
  stop(): Promise<void>;
}

const PROMPTS = [
  "Summarise what a load balancer does in one sentence.",
  "Write a haiku about GPUs.",
  "Explain a DAG to a five-year-old.",
  "Name three uses of a vector database.",
  "What is time to first token?",
];

export function startBackgroundTraffic(url: string, perSecond: number, models: string[]): BackgroundTraffic {
  const running = new Set<Promise<void>>();
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let count = 0;
  const schedule = () => {
    // Exponential gaps: arrivals like independent users'.
    const gapMs = (-Math.log(1 - Math.random()) / perSecond) * 1000;
    timer = setTimeout(() => {
      const request = send(count++).finally(() => running.delete(request));
      running.add(request);
      schedule();
    }, gapMs);
    timer.unref();
  };
  const send = async (n: number): Promise<void> => {
    try {
      const response = await fetch(`${url}/api/chat`, {
        method: "POST",
        signal: abort.signal,
        headers: { "x-hydra-priority": String(1 + (n % 10)) },
        body: JSON.stringify({
          model: models[n % models.length],
          messages: [{ role: "user", content: PROMPTS[n % PROMPTS.length] }],
          stream: n % 2 === 0,
        }),
      });
      await response.arrayBuffer();
    } catch {
      // A demo request that fails shows on the dashboard as an error; nothing to do here.
    }
  };
  schedule();
  return {
    async stop() {
      clearTimeout(timer);
      abort.abort();
      await Promise.allSettled(running);
    },
  };
}
