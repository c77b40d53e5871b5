/**
 * `hydra agent`: runs beside Ollama on a machine, registers it with the gateway, reports
 * its CPU, memory, disk, GPUs, loaded models and Ollama's health on every heartbeat, pulls
 * models when the gateway asks, and deregisters when it stops. Every call either way is
 * signed with the shared cluster secret (signing.ts).
 */
import { createHash } from "node:crypto";
import { EventEmitter, once } from "node:events";
import type { AddressInfo } from "node:net";
import os from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  LogController,
} from "fastify";
import pino, { type Logger } from "pino";
import { Agent as HttpAgent, request } from "undici";
import { ConfigError, HydraError, UpstreamError } from "../errors.js";
import { parseBody, registerJsonBodyParser } from "../gateway/body.js";
import { formatConfigIssues } from "../validation/zod-issues.js";
import { GpuCollector } from "./collect/gpu.js";
import { describeFailure, type OllamaReport, readOllama } from "./collect/ollama.js";
import { SystemSampler } from "./collect/system.js";
import { type AgentOptions, type AgentOptionsInput, agentOptionsSchema } from "./config.js";
import { AgentAuthError, GatewayCallError } from "./errors.js";
import {
  AGENT_GATEWAY_PATHS,
  AGENT_SERVER_PATHS,
  type AgentStatus,
  type GpuStatus,
  type HeartbeatResponse,
  heartbeatResponseSchema,
  type PullStatus,
  pullRequestSchema,
  type SystemStatus,
} from "./protocol.js";
import { PullTracker } from "./pulls.js";
import { ReplayGuard, signRequest, verifySignature } from "./signing.js";

/** The version agents report; the same as `hydra --version`. */
export const HYDRA_VERSION = "0.1.0";

const DEFAULT_INTERVAL_MS = 5_000;
const DEREGISTER_TIMEOUT_MS = 2_000;

/** Where the agent's report comes from; replaced in tests. */
export interface AgentCollectors {
  system(): Promise<SystemStatus>;
  gpus(): Promise<GpuStatus[]>;
  ollama(): Promise<OllamaReport>;
}

export interface AgentDeps {
  logger?: Logger;
  collectors?: Partial<AgentCollectors>;
  /** Wall clock, ms since the epoch (signatures and reports). */
  now?: () => number;
  /** Jitter of the registration back-off. */
  random?: () => number;
  /** Registration retries: first delay, doubling up to the cap. */
  retry?: { baseMs: number; maxMs: number };
  version?: string;
}

export interface AgentEvents {
  /** The gateway accepted the agent (first time, or again after it forgot it). */
  registered: [{ gatewayUrl: string; agentUrl: string; heartbeatIntervalMs: number; again: boolean }];
  /** A registration failed; `status` is absent when the gateway could not be reached. */
  "register-failed": [{ reason: string; status?: number; code?: string; attempt: number; retryInMs: number }];
  heartbeat: [AgentStatus];
  "heartbeat-failed": [{ reason: string; status?: number }];
  "pull-finished": [PullStatus];
  /** Deregistered from the gateway on stop (absent when that failed or it never registered). */
  deregistered: [];
  stopped: [];
}

/** Equal-jitter exponential back-off: agents that lost the gateway together do not all come back at once. */
export function registrationDelay(attempt: number, baseMs: number, maxMs: number, random: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/**
 * A signal that aborts after `timeoutMs` or with `parent`. Not AbortSignal.any: on Node 20 it
 * keeps every derived signal alive as long as the parent, and the parent lives as long as the agent.
 */
function deadline(timeoutMs: number, parent?: AbortSignal): { signal: AbortSignal; done(): void } {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, "TimeoutError")),
    timeoutMs,
  );
  const onAbort = () => controller.abort(parent?.reason);
  parent?.addEventListener("abort", onAbort, { once: true });
  return {
    signal: controller.signal,
    done() {
      clearTimeout(timer);
      parent?.removeEventListener("abort", onAbort);
    },
  };
}

/** Same machine and same Ollama → same id, so a restarted agent is the same node to the gateway. */
export function agentIdFor(hostname: string, ollamaUrl: string): string {
  const hash = createHash("sha256").update(ollamaUrl).digest("hex").slice(0, 12);
  return `${hostname}-${hash}`;
}

function isLoopback(hostname: string): boolean {
  return (
    hostname === "localhost" || hostname === "[::1]" || hostname === "::1" || hostname.startsWith("127.")
  );
}

/** A non-internal IPv4 address of this machine, to tell the gateway where the agent listens. */
function externalAddress(): string | undefined {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === "IPv4" && !address.internal) return address.address;
    }
  }
  return undefined;
}

function describeGatewayFailure(error: unknown, gatewayUrl: string, timeoutMs: number): string {
  return describeFailure(error, gatewayUrl, timeoutMs)
    .replace(/^Ollama at/, "the gateway at")
    .replace("is Ollama running?", "is 'hydra serve' running?")
    .replace("cannot reach Ollama at", "cannot reach the gateway at");
}

function errorMessageOf(text: string): { message: string; code?: string } {
  try {
    const body = JSON.parse(text) as { error?: unknown; code?: unknown };
    const error = body.error;
    const message =
      typeof error === "string"
        ? error
        : typeof (error as { message?: unknown } | undefined)?.message === "string"
          ? (error as { message: string }).message
          : text;
    return { message, ...(typeof body.code === "string" ? { code: body.code } : {}) };
  } catch {
    return { message: text.slice(0, 300) || "(empty answer)" };
  }
}

/** Errors as Ollama writes them, `{"error": "...", "code": "HYDRA_ERR_..."}`, which the gateway passes on. */
function installAgentErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HydraError, request, reply) => {
    if (error instanceof HydraError)
      return reply.code(error.status).send({ error: error.message, code: error.code });
    const status = error.statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error }, "unexpected error");
    return reply
      .code(status)
      .send({ error: status >= 500 ? `internal error: ${error.message}` : error.message });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: `no route ${request.method} ${request.url}: the agent serves GET ${AGENT_SERVER_PATHS.health} and POST ${AGENT_SERVER_PATHS.pull}`,
    }),
  );
}

export class Agent extends EventEmitter<AgentEvents> {
  readonly options: AgentOptions;
  readonly agentId: string;
  /** The Ollama URL the gateway is told to use. */
  readonly advertiseUrl: string;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #retry: { baseMs: number; maxMs: number };
  readonly #version: string;
  readonly #collectors: AgentCollectors;
  readonly #pulls = new PullTracker();
  readonly #replayGuard: ReplayGuard;
  readonly #dispatcher = new HttpAgent({ keepAliveTimeout: 10_000 });
  /** Aborted by stop(): ends waits and calls in progress. */
  readonly #stopping = new AbortController();
  /** One per pull in progress, so stop() can cancel them. */
  readonly #activePulls = new Set<AbortController>();
  #app: FastifyInstance | undefined;
  #agentUrl: string | undefined;
  #intervalMs: number;
  #registered = false;
  /** A registration is on its way to the gateway. */
  #registering = false;
  #everRegistered = false;
  #last: AgentStatus | undefined;
  #loop: Promise<void> | undefined;
  #stopped: Promise<void> | undefined;

  constructor(input: AgentOptionsInput, deps: AgentDeps = {}) {
    super();
    const parsed = agentOptionsSchema.safeParse(input);
    if (!parsed.success) {
      // Never echo the secret back, not even a wrong one.
      const shown = { ...input, ...(input.secret === undefined ? {} : { secret: "(hidden)" }) };
      throw new ConfigError(formatConfigIssues(parsed.error, shown, "hydra agent", agentOptionsSchema));
    }
    this.options = parsed.data;
    this.advertiseUrl = (this.options.advertiseUrl ?? this.options.ollamaUrl).replace(/\/+$/, "");
    this.agentId = agentIdFor(os.hostname(), this.advertiseUrl);
    this.#log = deps.logger ?? pino({ level: "info" });
    this.#now = deps.now ?? Date.now;
    this.#random = deps.random ?? Math.random;
    this.#retry = deps.retry ?? { baseMs: 500, maxMs: 30_000 };
    this.#version = deps.version ?? HYDRA_VERSION;
    this.#intervalMs = this.options.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.#replayGuard = ReplayGuard.forSkew(this.options.maxClockSkewMs);
    const sampler = new SystemSampler({ diskPath: this.options.diskPath });
    const gpus = new GpuCollector({
      timeoutMs: Math.min(3_000, this.options.requestTimeoutMs),
      onToolError: (tool, error) =>
        this.#log.warn({ tool, err: error.message }, `${tool} failed; reporting no GPU from it`),
    });
    this.#collectors = {
      system: deps.collectors?.system ?? (() => sampler.sample()),
      gpus: deps.collectors?.gpus ?? (() => gpus.collect()),
      ollama:
        deps.collectors?.ollama ??
        (() =>
          readOllama(this.options.ollamaUrl, {
            timeoutMs: this.options.requestTimeoutMs,
            dispatcher: this.#dispatcher,
          })),
    };
  }

  /** The agent's own base URL as the gateway reaches it (after start). */
  get url(): string | undefined {
    return this.#agentUrl;
  }

  get registered(): boolean {
    return this.#registered;
  }

  /** The last report collected (sent or not). */
  get lastStatus(): AgentStatus | undefined {
    return this.#last;
  }

  /**
   * Listens, then registers and heartbeats in the background (retrying while the gateway is
   * unreachable). Resolves to the agent's URL once it listens; `registered` tells when it joined.
   */
  async start(): Promise<string> {
    if (this.#app !== undefined) throw new Error("the agent is already started");
    const app = this.#buildServer();
    this.#app = app;
    await app.listen({ host: this.options.host, port: this.options.port });
    const { port } = app.server.address() as AddressInfo;
    this.#agentUrl = this.options.agentUrl?.replace(/\/+$/, "") ?? this.#defaultAgentUrl(port);
    this.#warnAboutLoopback();
    this.#loop = this.#run().catch((error: unknown) => {
      this.#log.error({ err: error }, "agent loop failed");
    });
    return this.#agentUrl;
  }

  /** Stops heartbeats and pulls, deregisters (best effort, a short deadline) and closes the server. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#stopping.abort();
      for (const pull of this.#activePulls) pull.abort();
      // Only the registration's answer was cut short: the gateway may have taken it.
      const maybeRegistered = this.#registering;
      await this.#loop;
      if (this.#registered || maybeRegistered) {
        try {
          await this.#call(
            AGENT_GATEWAY_PATHS.deregister,
            { agentId: this.agentId },
            DEREGISTER_TIMEOUT_MS,
            false,
          );
          this.#registered = false;
          this.#log.info({ gateway: this.options.gatewayUrl }, "deregistered");
          this.emit("deregistered");
        } catch (error) {
          this.#log.warn(
            { err: (error as Error).message },
            "could not deregister; the gateway will mark this node stale",
          );
        }
      }
      await this.#app?.close();
      await this.#dispatcher.destroy();
      this.emit("stopped");
    })();
    return this.#stopped;
  }

  /** Reads the machine and Ollama now. */
  async collect(): Promise<AgentStatus> {
    const [system, gpus, report] = await Promise.all([
      this.#collectors.system(),
      this.#collectors.gpus(),
      this.#collectors.ollama(),
    ]);
    const status: AgentStatus = {
      agentId: this.agentId,
      name: this.options.name ?? os.hostname(),
      ollamaUrl: this.advertiseUrl,
      agentUrl: this.#agentUrl ?? this.#defaultAgentUrl(this.options.port),
      version: this.#version,
      tags: this.options.tags,
      ...(this.options.slots === undefined ? {} : { slots: this.options.slots }),
      system,
      gpus,
      ollama: report.ollama,
      loaded: report.loaded,
      pulls: this.#pulls.list(this.#now()),
      sentAt: this.#now(),
    };
    this.#last = status;
    return status;
  }

  async #run(): Promise<void> {
    let attempt = 0;
    let lastFailure: string | undefined;
    while (!this.#stopping.signal.aborted) {
      if (!this.#registered) {
        try {
          this.#registering = true;
          const answer = await this.#call(AGENT_GATEWAY_PATHS.register, await this.collect());
          this.#registering = false;
          this.#adoptInterval(answer);
          this.#registered = true;
          attempt = 0;
          const again = this.#everRegistered;
          this.#everRegistered = true;
          this.#log.info(
            { gateway: this.options.gatewayUrl, agentId: this.agentId, intervalMs: this.#intervalMs },
            again ? "registered again" : "registered",
          );
          this.emit("registered", {
            gatewayUrl: this.options.gatewayUrl,
            agentUrl: this.#agentUrl ?? "",
            heartbeatIntervalMs: this.#intervalMs,
            again,
          });
        } catch (error) {
          this.#registering = false;
          if (this.#stopping.signal.aborted) return;
          attempt++;
          const failure = error as GatewayCallError;
          const retryInMs = registrationDelay(attempt, this.#retry.baseMs, this.#retry.maxMs, this.#random());
          this.#log.warn(
            {
              gateway: this.options.gatewayUrl,
              status: failure.status,
              attempt,
              retryInMs,
              err: failure.message,
            },
            `registration failed: ${failure.message}`,
          );
          this.emit("register-failed", {
            reason: failure.message,
            ...(failure.status === undefined ? {} : { status: failure.status }),
            ...(failure.code === undefined ? {} : { code: failure.code }),
            attempt,
            retryInMs,
          });
          await this.#pause(retryInMs);
          continue;
        }
      }
      await this.#pause(this.#intervalMs);
      if (this.#stopping.signal.aborted) return;
      try {
        const status = await this.collect();
        this.#adoptInterval(await this.#call(AGENT_GATEWAY_PATHS.heartbeat, status));
        if (lastFailure !== undefined) this.#log.info("heartbeats accepted again");
        lastFailure = undefined;
        this.emit("heartbeat", status);
      } catch (error) {
        if (this.#stopping.signal.aborted) return;
        const failure = error as GatewayCallError;
        if (failure.status === 404) {
          // The gateway restarted or forgot this agent: join again at once.
          this.#log.info({ err: failure.message }, "the gateway does not know this agent; registering again");
          this.#registered = false;
        } else if (failure.message !== lastFailure) {
          this.#log.warn(
            { status: failure.status, err: failure.message },
            `heartbeat failed: ${failure.message}`,
          );
        }
        lastFailure = failure.message;
        this.emit("heartbeat-failed", {
          reason: failure.message,
          ...(failure.status === undefined ? {} : { status: failure.status }),
        });
      }
    }
  }

  /** An explicit --interval-ms wins; otherwise the gateway says how often it wants reports. */
  #adoptInterval(answer: HeartbeatResponse | undefined): void {
    if (this.options.intervalMs === undefined && answer !== undefined)
      this.#intervalMs = answer.heartbeatIntervalMs;
  }

  async #pause(ms: number): Promise<void> {
    try {
      await sleep(ms, undefined, { signal: this.#stopping.signal });
    } catch {
      // Stopped while waiting: the loop checks the signal.
    }
  }

  /** A signed POST to the gateway; throws GatewayCallError with a reason a person can act on. */
  async #call(
    path: string,
    payload: unknown,
    timeoutMs = this.options.requestTimeoutMs,
    cancelOnStop = true,
  ): Promise<HeartbeatResponse | undefined> {
    const url = new URL(`${this.options.gatewayUrl.replace(/\/+$/, "")}${path}`);
    const body = JSON.stringify(payload);
    const headers = {
      "content-type": "application/json",
      ...signRequest({
        secret: this.options.secret,
        method: "POST",
        path: url.pathname,
        body,
        now: this.#now(),
      }),
    };
    const call = deadline(timeoutMs, cancelOnStop ? this.#stopping.signal : undefined);
    let response: Awaited<ReturnType<typeof request>>;
    let text: string;
    try {
      response = await request(url, {
        method: "POST",
        body,
        headers,
        signal: call.signal,
        dispatcher: this.#dispatcher,
      });
      text = await response.body.text().catch(() => "");
    } catch (error) {
      throw new GatewayCallError(describeGatewayFailure(error, this.options.gatewayUrl, timeoutMs), {
        cause: error,
      });
    } finally {
      call.done();
    }
    if (response.statusCode >= 200 && response.statusCode < 300) {
      try {
        return heartbeatResponseSchema.safeParse(JSON.parse(text)).data;
      } catch {
        return undefined;
      }
    }
    const { message, code } = errorMessageOf(text);
    throw new GatewayCallError(`the gateway answered HTTP ${response.statusCode}: ${message}`, {
      status: response.statusCode,
      ...(code === undefined ? {} : { code }),
    });
  }

  #defaultAgentUrl(port: number): string {
    const host = this.options.host;
    const reachable =
      host === "0.0.0.0" || host === "::"
        ? (externalAddress() ?? os.hostname())
        : host.includes(":")
          ? `[${host}]`
          : host;
    return `http://${reachable}:${port}`;
  }

  #warnAboutLoopback(): void {
    const gateway = new URL(this.options.gatewayUrl).hostname;
    const ollama = new URL(this.advertiseUrl).hostname;
    if (!isLoopback(gateway) && isLoopback(ollama)) {
      this.#log.warn(
        { ollama: this.advertiseUrl, gateway: this.options.gatewayUrl },
        `the gateway is told to reach Ollama at ${this.advertiseUrl}, which is this machine's loopback address and not reachable from the gateway; pass --advertise http://<this machine's address>:11434 (and run Ollama with OLLAMA_HOST=0.0.0.0)`,
      );
    }
  }

  #buildServer(): FastifyInstance {
    const app = Fastify({
      loggerInstance: this.#log.child({ component: "agent-server" }) as FastifyBaseLogger,
      logController: new LogController({ disableRequestLogging: true }),
      bodyLimit: 64 * 1024,
      // A pull can stream for many minutes.
      requestTimeout: 0,
    });
    registerJsonBodyParser(app);
    installAgentErrorHandler(app);

    app.get(AGENT_SERVER_PATHS.health, async () => {
      const status = this.#last ?? (await this.collect());
      return { ...status, registered: this.#registered };
    });

    app.post(AGENT_SERVER_PATHS.pull, async (request, reply) => {
      const check = verifySignature({
        secret: this.options.secret,
        method: request.method,
        path: request.url,
        body: request.rawBody ?? "",
        headers: request.headers,
        now: this.#now(),
        maxSkewMs: this.options.maxClockSkewMs,
        replayGuard: this.#replayGuard,
      });
      if (!check.ok) throw new AgentAuthError(check.message);
      const { model, insecure } = parseBody(pullRequestSchema, request);
      await this.#pull(model, insecure, reply);
    });
    return app;
  }

  /** Streams Ollama's /api/pull progress to the caller unchanged, recording it for the heartbeats. */
  async #pull(model: string, insecure: boolean | undefined, reply: FastifyReply): Promise<void> {
    const controller = new AbortController();
    this.#activePulls.add(controller);
    // The caller went away before the end: cancel the download upstream too.
    const onClose = () => {
      if (!reply.raw.writableFinished) controller.abort();
    };
    reply.raw.on("close", onClose);
    this.#pulls.start(model);
    this.#log.info({ model }, "pull started");
    try {
      let upstream: Awaited<ReturnType<typeof request>>;
      try {
        upstream = await request(`${this.options.ollamaUrl.replace(/\/+$/, "")}/api/pull`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model, ...(insecure === undefined ? {} : { insecure }), stream: true }),
          signal: controller.signal,
          dispatcher: this.#dispatcher,
        });
      } catch (error) {
        const reason = describeFailure(error, this.options.ollamaUrl, this.options.requestTimeoutMs);
        this.#finishPull(model, reason);
        throw new UpstreamError(this.options.name ?? os.hostname(), 502, reason, { cause: error });
      }
      if (upstream.statusCode !== 200) {
        const text = await upstream.body.text();
        this.#finishPull(model, errorMessageOf(text).message);
        return reply
          .code(upstream.statusCode)
          .type(String(upstream.headers["content-type"] ?? "application/json"))
          .send(text);
      }
      reply.hijack();
      reply.raw.writeHead(200, {
        "content-type": String(upstream.headers["content-type"] ?? "application/x-ndjson"),
      });
      const decoder = new TextDecoder();
      let pending = "";
      try {
        for await (const chunk of upstream.body) {
          pending += decoder.decode(chunk as Buffer, { stream: true });
          pending = this.#recordLines(model, pending);
          if (!reply.raw.write(chunk)) await once(reply.raw, "drain", { signal: controller.signal });
        }
        this.#recordLines(model, `${pending}${decoder.decode()}\n`);
        this.#finishPull(model, "the pull stream ended before Ollama reported success");
        reply.raw.end();
      } catch (error) {
        const reason = controller.signal.aborted
          ? this.#stopping.signal.aborted
            ? "cancelled: the agent is stopping"
            : "cancelled: the caller disconnected"
          : `the pull stream from Ollama broke: ${(error as Error).message}`;
        this.#finishPull(model, reason);
        reply.raw.destroy();
      }
    } finally {
      reply.raw.off("close", onClose);
      this.#activePulls.delete(controller);
    }
  }

  /** Feeds the complete lines to the tracker; returns the unfinished rest. */
  #recordLines(model: string, text: string): string {
    const lines = text.split("\n");
    const rest = lines.pop() ?? "";
    for (const line of lines) {
      if (line.trim() === "") continue;
      try {
        this.#pulls.progress(model, JSON.parse(line), this.#now());
      } catch {
        // Not JSON: passed on unchanged, nothing to record.
      }
    }
    return rest;
  }

  /** Marks the pull failed with `reason` unless it already ended, and tells listeners how it ended. */
  #finishPull(model: string, reason: string): void {
    this.#pulls.fail(model, reason, this.#now());
    const status = this.#pulls.list(this.#now()).find((pull) => pull.model === model);
    if (status === undefined) return;
    this.#log.info({ model, status: status.status, err: status.error }, "pull finished");
    this.emit("pull-finished", status);
  }
}
