/** A JSON resource fetched now, every `intervalMs` while the component is shown, and on demand. */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { describeError, getJson } from "../api/http.js";
import type { Polled } from "./cluster.js";

export function usePolled<T>(
  path: string | undefined,
  intervalMs: number | undefined,
): Polled<T> & { refresh: () => void } {
  const [state, setState] = useState<Polled<T>>({ data: undefined, error: undefined, at: undefined });
  const busy = useRef(false);
  const current = useRef(path);
  current.current = path;

  const refresh = useCallback(() => {
    if (path === undefined || busy.current) return;
    busy.current = true;
    getJson<T>(path)
      .then((data) => {
        if (current.current === path) setState({ data, error: undefined, at: Date.now() });
      })
      .catch((error: unknown) => {
        if (current.current === path) setState((old) => ({ ...old, error: describeError(error) }));
      })
      .finally(() => {
        busy.current = false;
      });
  }, [path]);

  useEffect(() => {
    setState({ data: undefined, error: undefined, at: undefined });
    refresh();
    if (intervalMs === undefined) return;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") refresh();
    }, intervalMs);
    return () => clearInterval(timer);
  }, [refresh, intervalMs]);

  return { ...state, refresh };
}
