/**
 * One client request's trip to a node: dispatch, the `x-hydra-node` header,
 * cancellation when the client goes away, first-token timing, and exactly-once
 * accounting (in-flight slot, metrics, log line) when it ends, however it ends.
 */
import type { FastifyBaseLogger, FastifyReply } from "fastify";
import type { PoolNode } from "../pool/node.js";
import type { Dispatch, NodePool } from "../pool/pool.js";
import type { GenerationStats } from "../protocol/ollama/types.js";
import type { GatewayMetrics } from "./metrics.js";

export interface GatewayContext {
  pool: NodePool;
  metrics: GatewayMetrics;
  log: FastifyBaseLogger;
}

export interface ExchangeRequest {
  /** The client-facing route, for metrics and logs. */
  route: string;
  /** The node's (Ollama native) path. */
  path: string;
  model: string;
  body?: unknown;
  rawBody?: string;
}

/** Status recorded when the client went away before the answer was complete (nginx's convention). */
export const CLIENT_CLOSED_STATUS = 499;

export class Exchange {
  readonly node: PoolNode;
  readonly dispatch: Dispatch;
  readonly #ctx: GatewayContext;
  readonly #request: ExchangeRequest;
  readonly #startedAt: number;
  readonly #abort: AbortController;
  #firstTokenSeen = false;
  #completed = false;

  private constructor(
    ctx: GatewayContext,
    request: ExchangeRequest,
    dispatch: Dispatch,
    startedAt: number,
    abort: AbortController,
  ) {
    this.#ctx = ctx;
    this.#request = request;
    this.dispatch = dispatch;
    this.node = dispatch.node;
    this.#startedAt = startedAt;
    this.#abort = abort;
  }

  static async open(ctx: GatewayContext, request: ExchangeRequest, reply: FastifyReply): Promise<Exchange> {
    const startedAt = performance.now();
    const abort = new AbortController();
    const onClose = () => {
      if (!reply.raw.writableFinished) abort.abort();
    };
    reply.raw.once("close", onClose);
    const dispatch = await ctx.pool.dispatch(request.model, {
      method: "POST",
      path: request.path,
      body: request.body,
      rawBody: request.rawBody,
      signal: abort.signal,
    });
    reply.header("x-hydra-node", dispatch.node.name);
    return new Exchange(ctx, request, dispatch, startedAt, abort);
  }

  get status(): number {
    return this.dispatch.response.status;
  }

  get clientGone(): boolean {
    return this.#abort.signal.aborted;
  }

  /** Call on every chunk that carries generated text; only the first one counts. */
  firstToken(): void {
    if (this.#firstTokenSeen) return;
    this.#firstTokenSeen = true;
    this.#ctx.metrics.recordFirstToken(
      this.#request.model,
      this.node.name,
      (performance.now() - this.#startedAt) / 1000,
    );
  }

  /** Ends the exchange: releases the node, records metrics, and cancels the upstream if it is still open. */
  complete(status: number, stats?: Partial<GenerationStats>, error?: string): void {
    if (this.#completed) return;
    this.#completed = true;
    const clientGone = this.#abort.signal.aborted;
    this.dispatch.release();
    if (!clientGone && status !== 200) this.#abort.abort();
    const seconds = (performance.now() - this.#startedAt) / 1000;
    const { route, model } = this.#request;
    const finalStatus = clientGone ? CLIENT_CLOSED_STATUS : status;
    this.#ctx.metrics.recordRequest({ route, model, node: this.node.name, status: finalStatus, seconds });
    if (stats) {
      this.#ctx.metrics.recordGeneration(model, this.node.name, stats);
      if (finalStatus === 200) this.node.noteLoaded(model);
    }
    const fields = {
      route,
      model,
      node: this.node.name,
      status: finalStatus,
      ms: Math.round(seconds * 1000),
    };
    if (finalStatus === 200) this.#ctx.log.debug(fields, "request completed");
    else this.#ctx.log.warn({ ...fields, error: error ?? "client closed the connection" }, "request failed");
  }

  /** Stops the upstream request; used when the relay gives up on a stream. */
  cancel(): void {
    this.#abort.abort();
  }
}
