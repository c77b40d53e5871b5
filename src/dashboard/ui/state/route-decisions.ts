/** The latest route.decision events, newest first, kept from the page's start so the Routing tab opens filled. */
import { onEvents } from "../api/event-stream.js";
import type { HydraEvent } from "../api/types.js";
import { Store } from "./store.js";

export const MAX_DECISIONS = 200;

export type RouteDecisionEvent = HydraEvent<"route.decision">;

export const routeDecisions = new Store<readonly RouteDecisionEvent[]>([]);

let pending: RouteDecisionEvent[] = [];
let scheduled = false;

export function startRouteDecisionLog(): void {
  onEvents(["route.decision"], (event) => {
    pending.push(event as RouteDecisionEvent);
    // Many decisions a second are folded into one update per frame.
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      const fresh = pending.reverse();
      pending = [];
      routeDecisions.set([...fresh, ...routeDecisions.get()].slice(0, MAX_DECISIONS));
    });
  });
}
