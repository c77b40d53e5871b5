/**
 * `hydra.route`: one routing decision and the dispatch it leads to (the pool's retries and the
 * model fallbacks included). Its `hydra.upstream` children are the attempts; its attributes say
 * which node was chosen, the runner-up and the router's estimates for both.
 */
import type { Attributes, Span } from "@opentelemetry/api";
import type { Dispatch } from "../pool/pool.js";
import type { TracedScope } from "./scope.js";
import { inSpan } from "./spans.js";

export const ROUTE_SPAN = "hydra.route";

export interface RouteStart {
  model: string;
  strategy?: string | undefined;
  /** A mid-stream continuation: the answer goes on elsewhere after a node broke its stream. */
  continuation?: boolean;
}

export function traceRoute<T>(
  scope: TracedScope,
  start: RouteStart,
  work: () => Promise<T>,
  dispatchOf: (result: T) => Dispatch,
): Promise<T> {
  const attributes: Attributes = { "hydra.model": start.model };
  if (start.strategy !== undefined) attributes["hydra.strategy"] = start.strategy;
  if (start.continuation) attributes["hydra.route.continuation"] = true;
  return inSpan(scope, ROUTE_SPAN, { attributes }, work, (span, result) =>
    describeRoute(span, dispatchOf(result)),
  );
}

function describeRoute(span: Span, dispatch: Dispatch): void {
  const node = dispatch.node.name;
  const chosen = dispatch.ranking.find((candidate) => candidate.name === node);
  const runnerUp = dispatch.ranking.find((candidate) => candidate.name !== node);
  span.setAttribute("hydra.node", node);
  span.setAttribute("hydra.candidates", dispatch.ranking.length);
  if (chosen !== undefined) {
    span.setAttribute("hydra.estimate_ms", Math.round(chosen.estimatedMs));
    span.setAttribute("hydra.route.reason", chosen.reason);
  }
  if (runnerUp !== undefined) {
    span.setAttribute("hydra.runner_up", runnerUp.name);
    span.setAttribute("hydra.runner_up.estimate_ms", Math.round(runnerUp.estimatedMs));
  }
}
