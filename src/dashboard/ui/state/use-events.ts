/** Runs `handler` for each live event of the given types while the component is mounted. */
import { useEffect, useRef } from "preact/hooks";
import { onEvents } from "../api/event-stream.js";
import type { HydraEvent, HydraEventType } from "../api/types.js";

export function useEvents(types: readonly HydraEventType[], handler: (event: HydraEvent) => void): void {
  const latest = useRef(handler);
  latest.current = handler;
  const key = types.join(",");
  // The types are compared by their joined key, so an inline array does not resubscribe each render.
  useEffect(() => onEvents(types, (event) => latest.current(event)), [key]);
}

/** Calls `action` at most once per `ms`, after the last of a burst of calls. */
export function debounce(action: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      action();
    }, ms);
  };
}
