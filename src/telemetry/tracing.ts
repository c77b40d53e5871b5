/**
 * One gateway's tracer: its own provider, batch processor and OTLP/HTTP exporter, so several
 * gateways in one process (the tests) never share spans, and nothing is registered globally.
 * Parent and child are linked through explicit contexts carried in the call scope
 * (scope.ts), not through OpenTelemetry's global context manager.
 */
import { createRequire } from "node:module";
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  type SpanKind,
  type TimeInput,
} from "@opentelemetry/api";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import { HYDRA_VERSION } from "../version.js";
import type { TelemetryConfig } from "./config.js";
import { tracerClosed, tracerOpened } from "./scope.js";

export interface SpanStart {
  kind?: SpanKind;
  attributes?: Attributes;
  startTime?: TimeInput;
}

/**
 * The SDK and the exporter are loaded only when tracing is on: a gateway without
 * `telemetry.otlp.url` does not pay their memory (about 10 MB). The API package, which every
 * span helper uses, has a single (CommonJS) build, so both ways of loading share it.
 */
const load = createRequire(import.meta.url);
const sdk = () => load("@opentelemetry/sdk-trace-base") as typeof import("@opentelemetry/sdk-trace-base");

export class Tracing {
  readonly #provider: import("@opentelemetry/sdk-trace-base").BasicTracerProvider;
  readonly #tracer;
  #closed: Promise<void> | undefined;

  constructor(config: TelemetryConfig, exporter: SpanExporter) {
    const ratio = config.sampleRatio;
    const {
      AlwaysOnSampler,
      BasicTracerProvider,
      BatchSpanProcessor,
      ParentBasedSampler,
      TraceIdRatioBasedSampler,
    } = sdk();
    const { resourceFromAttributes } = load(
      "@opentelemetry/resources",
    ) as typeof import("@opentelemetry/resources");
    const { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } = load(
      "@opentelemetry/semantic-conventions",
    ) as typeof import("@opentelemetry/semantic-conventions");
    this.#provider = new BasicTracerProvider({
      resource: resourceFromAttributes({
        [ATTR_SERVICE_NAME]: config.serviceName,
        [ATTR_SERVICE_VERSION]: HYDRA_VERSION,
      }),
      // A caller's sampling decision (its traceparent) is kept, so its trace has no holes.
      sampler: new ParentBasedSampler({
        root: ratio === undefined || ratio >= 1 ? new AlwaysOnSampler() : new TraceIdRatioBasedSampler(ratio),
      }),
      spanProcessors: [new BatchSpanProcessor(exporter, { exportTimeoutMillis: config.otlp.timeoutMs })],
    });
    this.#tracer = this.#provider.getTracer("hydra", HYDRA_VERSION);
    tracerOpened();
  }

  /** A span under `parent`'s span (a new trace when there is none). */
  start(name: string, parent: Context | undefined, options: SpanStart = {}): Span {
    return this.#tracer.startSpan(name, options, parent ?? ROOT_CONTEXT);
  }

  /** Exports every ended span now (tests wait on this rather than on the batch timer). */
  async flush(): Promise<void> {
    await this.#provider.forceFlush();
  }

  /** Flushes and stops; later spans are dropped. Safe to call more than once. */
  shutdown(): Promise<void> {
    this.#closed ??= this.#provider.shutdown().finally(tracerClosed);
    return this.#closed;
  }
}

/** The gateway's tracer, or undefined when `telemetry.otlp.url` is not set (then nothing traces). */
export function createTracing(config: TelemetryConfig): Tracing | undefined {
  const { url, headers, timeoutMs } = config.otlp;
  if (url === undefined) return undefined;
  // JSON over HTTP (this exporter's encoding): every collector and Jaeger accept it on :4318.
  const { OTLPTraceExporter } = load(
    "@opentelemetry/exporter-trace-otlp-http",
  ) as typeof import("@opentelemetry/exporter-trace-otlp-http");
  return new Tracing(config, new OTLPTraceExporter({ url, headers, timeoutMillis: timeoutMs }));
}
