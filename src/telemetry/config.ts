/**
 * The `telemetry:` section of the configuration. Tracing is off unless `telemetry.otlp.url` is
 * set: then every request's spans (request, routing, upstream attempts, orchestration steps) go
 * to that OTLP/HTTP endpoint (JSON encoding), e.g. an OpenTelemetry Collector or Jaeger.
 */
import { z } from "zod";

export const otlpConfigSchema = z.strictObject({
  /** The collector's traces endpoint, e.g. http://collector:4318/v1/traces; absent: tracing is off. */
  url: z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL such as http://collector:4318/v1/traces" })
    .optional(),
  /** Sent with every export (an API key for a hosted collector). */
  headers: z.record(z.string(), z.string()).default({}),
  /** Longest wait for one export; also bounds the final flush when the gateway stops. */
  timeoutMs: z.number().int().positive().default(10_000),
});

export const telemetryConfigSchema = z.strictObject({
  /** The `service.name` resource attribute of every span. */
  serviceName: z.string().min(1).default("hydra"),
  otlp: otlpConfigSchema.default(otlpConfigSchema.parse({})),
  /**
   * Share of new traces recorded, 0 to 1; absent: all. A request that arrives with a W3C
   * `traceparent` follows its caller's decision instead.
   */
  sampleRatio: z.number().min(0).max(1).optional(),
});

export type TelemetryConfig = z.infer<typeof telemetryConfigSchema>;
