/**
 * An answer in progress: it holds a slot and a loaded model, releases the answer's steps on the
 * node's schedule (prefill, then one decode interval per token), and reports Ollama's timing
 * statistics at the end.
 */
import type { GenerationStats } from "../protocol/ollama/types.js";
import type { Acquisition, SimEngine } from "./engine.js";
import type { GenerationPlan, GenerationStep } from "./generation.js";
import { toNanos } from "./latency.js";

export class GenerationSession {
  private emittedTokens = 0;
  private readonly prefillMs: number;
  private readonly tokenMs: number;

  constructor(
    private readonly engine: SimEngine,
    readonly acquisition: Acquisition,
    readonly plan: GenerationPlan,
    readonly promptTokens: number,
    private readonly firstTokenDelayMs: number,
  ) {
    this.prefillMs = engine.latency.prefillMs(promptTokens, acquisition.model.speed);
    this.tokenMs = engine.latency.tokenMs(acquisition.model.speed);
  }

  /** The answer's steps, each released when the model would have produced it. */
  async *steps(callerSignal?: AbortSignal): AsyncGenerator<GenerationStep> {
    const signal = this.engine.link(callerSignal);
    let due = this.acquisition.readyAt + this.prefillMs + this.firstTokenDelayMs;
    for (const step of this.plan.steps) {
      due += this.tokenMs * step.tokens;
      await this.engine.pauseUntil(due, signal);
      this.emittedTokens += step.tokens;
      yield step;
    }
    // Tokens generated but not shown (a tool call cut by num_predict) still take time.
    if (this.plan.evalCount > this.emittedTokens) {
      due += this.tokenMs * (this.plan.evalCount - this.emittedTokens);
      await this.engine.pauseUntil(due, signal);
    }
  }

  /** Ollama's final-chunk statistics. load_duration covers queueing plus loading, as in Ollama. */
  stats(): GenerationStats {
    const { acquisition } = this;
    const loadMs = Math.max(acquisition.readyAt - acquisition.startedAt, acquisition.loadMs);
    const evalMs = this.plan.evalCount * this.tokenMs;
    const elapsed = this.engine.clock.now() - acquisition.startedAt;
    return {
      total_duration: toNanos(Math.max(elapsed, loadMs + this.prefillMs + this.firstTokenDelayMs + evalMs)),
      load_duration: toNanos(loadMs),
      prompt_eval_count: this.promptTokens,
      prompt_eval_duration: toNanos(this.prefillMs),
      eval_count: this.plan.evalCount,
      eval_duration: toNanos(evalMs),
    };
  }

  release(): void {
    this.acquisition.release();
  }
}
