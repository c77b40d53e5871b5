/**
 * One gateway's tracer: its own provider, batch processor and OTLP/HTTP exporter, so several
 * gateways in one process (the tests) never share spans, and nothing is registered globally.
 * Parent and child are linked through explicit contexts carried in the call scope
 * (scope.ts), not through OpenTelemetry's global context manager.
 */
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  type SpanKind,
  type TimeInput,
} from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  type SpanExporter,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";
import { HYDRA_VERSION } from "../version.js";
import type { TelemetryConfig } from "./config.js";
import { tracerClosed, tracerOpened } from "./scope.js";

export interface SpanStart {
  kind?: SpanKind;
  attributes?: Attributes;
  startTime?: TimeInput;
}

export class Tracing {
  readonly #provider: BasicTracerProvider;
  readonly #tracer;
  #closed: Promise<void> | undefined;

  constructor(config: TelemetryConfig, exporter: SpanExporter) {
    const ratio = config.sampleRatio;
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
  return new Tracing(config, new OTLPTraceExporter({ url, headers, timeoutMillis: timeoutMs }));
}
