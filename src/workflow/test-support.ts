/**
 * Helpers for tests of code that runs workflows (the engine's own, the orchestrator's): wait for
 * an event instead of sleeping, record every event, hold a handler until the test lets it go.
 */
import type { WorkflowEngine } from "./engine.js";
import type { WorkflowEvent, WorkflowEventType } from "./events.js";

/** A promise the test settles by hand. */
export interface Gate<T = void> {
  promise: Promise<T>;
  open(value: T): void;
  fail(error: unknown): void;
}

export function gate<T = void>(): Gate<T> {
  let open!: (value: T) => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

/** The next event of `type` (for which `match` holds), emitted after this call. */
export function nextEvent<K extends WorkflowEventType>(
  engine: WorkflowEngine,
  type: K,
  match: (event: Extract<WorkflowEvent, { type: K }>) => boolean = () => true,
): Promise<Extract<WorkflowEvent, { type: K }>> {
  return new Promise((resolve) => {
    const listener = (event: WorkflowEvent) => {
      if (event.type !== type) return;
      const typed = event as Extract<WorkflowEvent, { type: K }>;
      if (!match(typed)) return;
      engine.off("event", listener);
      resolve(typed);
    };
    engine.on("event", listener);
  });
}

/** Resolves once `count` events of `type` (for which `match` holds) were emitted after this call. */
export function events<K extends WorkflowEventType>(
  engine: WorkflowEngine,
  type: K,
  count: number,
  match: (event: Extract<WorkflowEvent, { type: K }>) => boolean = () => true,
): Promise<Extract<WorkflowEvent, { type: K }>[]> {
  return new Promise((resolve) => {
    const seen: Extract<WorkflowEvent, { type: K }>[] = [];
    const listener = (event: WorkflowEvent) => {
      if (event.type !== type) return;
      const typed = event as Extract<WorkflowEvent, { type: K }>;
      if (!match(typed)) return;
      seen.push(typed);
      if (seen.length === count) {
        engine.off("event", listener);
        resolve(seen);
      }
    };
    engine.on("event", listener);
  });
}

/** Every event from now on, in order. */
export function recordEvents(engine: WorkflowEngine): WorkflowEvent[] {
  const seen: WorkflowEvent[] = [];
  engine.on("event", (event) => seen.push(event));
  return seen;
}

/** Lets every pending timer-free callback run (several turns of the event loop). */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}
