/**
 * Closed-loop streaming chat load for failover runs: `concurrency` workers, each
 * sending the next chat as soon as its previous one ended, until a deadline. Unlike
 * runLoad it keeps every chat's full outcome, so answers can be checked afterwards.
 */
import { Pool } from "undici";
import { type ChatOutcome, streamChat } from "./chat-stream.js";

export interface ChatLoadOptions {
  gatewayUrl: string;
  model: string;
  concurrency: number;
  /** No chat starts at or after this time (on `now`'s clock); running ones finish. */
  untilMs: number;
  /** Prompts/seeds cycle through 0..distinct-1, so reference answers stay few. */
  distinct: number;
  now: () => number;
  onOutcome?: (outcome: ChatOutcome) => void;
}

/** The chats started so far, for live progress. */
export interface ChatLoad {
  outcomes: ChatOutcome[];
  inFlight: number;
  done: Promise<ChatOutcome[]>;
}

export function startChatLoad(options: ChatLoadOptions): ChatLoad {
  // Timeouts only so a hung stream cannot stall the run forever; a hit is counted as a failure.
  const pool = new Pool(new URL(options.gatewayUrl).origin, {
    connections: options.concurrency,
    pipelining: 1,
    headersTimeout: 60_000,
    bodyTimeout: 20_000,
  });
  let next = 0;
  const load: ChatLoad = { outcomes: [], inFlight: 0, done: Promise.resolve([]) };
  const worker = async () => {
    while (options.now() < options.untilMs) {
      const n = next++ % options.distinct;
      load.inFlight++;
      const outcome = await streamChat(pool, options.model, n, options.now);
      load.inFlight--;
      load.outcomes.push(outcome);
      options.onOutcome?.(outcome);
    }
  };
  load.done = Promise.all(Array.from({ length: options.concurrency }, worker))
    .finally(() => pool.close())
    .then(() => load.outcomes);
  return load;
}
