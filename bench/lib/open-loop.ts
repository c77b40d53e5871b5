/**
 * Open-loop load: every planned request is sent at its own time whether or not earlier
 * ones have finished (unlike a closed loop, a slow answer never holds back the next
 * arrival, so queueing shows in the latencies). Requests still running at the deadline
 * are aborted and count as errors, which bounds how long one phase can take.
 */
import { setMaxListeners } from "node:events";
import { Pool } from "undici";
import { sleep } from "./gateway-watch.js";
import type { PlannedRequest } from "./routing-workload.js";
import { type TimedOutcome, timedChat } from "./timed-chat.js";

export interface OpenLoopOptions {
  url: string;
  planned: readonly PlannedRequest[];
  body: (request: PlannedRequest) => string;
  headers: Record<string, string>;
  /** Abort whatever is still running this long after the last arrival. */
  drainCapMs: number;
  onOutcome?: (outcome: TimedOutcome) => void;
}

export interface OpenLoopResult {
  outcomes: TimedOutcome[];
  /** Largest delay between a request's planned and actual send time: how well the schedule was kept. */
  maxSendLagMs: number;
  wallMs: number;
}

export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  // Enough connections that no request waits for a socket: the queue under test is the gateway's.
  const pool = new Pool(new URL(options.url).origin, {
    connections: Math.max(16, options.planned.length),
    pipelining: 1,
    // The deadline below bounds every request; undici's own timeouts would only cut long queue waits.
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  const deadline = new AbortController();
  // Every request listens on this one signal; more than 10 at once is expected, not a leak.
  setMaxListeners(options.planned.length + 16, deadline.signal);
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const running: Promise<TimedOutcome>[] = [];
  let maxSendLagMs = 0;
  try {
    for (const request of options.planned) {
      await sleep(Math.max(0, request.atMs - now()));
      maxSendLagMs = Math.max(maxSendLagMs, now() - request.atMs);
      const sent = timedChat(pool, {
        index: request.index,
        body: options.body(request),
        headers: options.headers,
        now,
        signal: deadline.signal,
      });
      running.push(
        sent.then((outcome) => {
          options.onOutcome?.(outcome);
          return outcome;
        }),
      );
    }
    const timer = setTimeout(() => deadline.abort(), options.drainCapMs);
    const outcomes = await Promise.all(running);
    clearTimeout(timer);
    return { outcomes, maxSendLagMs, wallMs: now() };
  } finally {
    deadline.abort();
    await pool.destroy();
  }
}
