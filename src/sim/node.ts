/**
 * One simulated node on a real TCP port: engine + server, and a handle to change its faults
 * and to close it cleanly (timers stopped, streams ended, sockets closed).
 */
import type { IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { ConfigError } from "../errors.js";
import { formatConfigIssues } from "../validation/zod-issues.js";
import { realClock, type SimClock } from "./clock.js";
import { parseSimNodeConfig, type SimNodeConfig, type SimNodeInput } from "./config.js";
import { SimEngine } from "./engine.js";
import { type FaultInput, type FaultStatus, faultListSchema } from "./faults.js";
import { buildSimServer } from "./server.js";

export interface SimNodeHandle {
  name: string;
  /** Base URL, e.g. "http://127.0.0.1:41234" (what `new Ollama({ host })` takes). */
  url: string;
  port: number;
  engine: SimEngine;
  /** Replaces the node's faults; throws ConfigError on an invalid definition. */
  setFaults(faults: FaultInput[]): FaultStatus[];
  clearFaults(): void;
  /**
   * Tells `listener` of every request as it arrives (what a gateway forwarded: x-request-id,
   * traceparent); returns a function that stops telling it. The node behaves the same either way.
   */
  onRequest(listener: (request: SimRequestInfo) => void): () => void;
  close(): Promise<void>;
}

export interface SimRequestInfo {
  method: string;
  /** The path with its query string. */
  url: string;
  headers: IncomingHttpHeaders;
}

export interface StartSimNodeOptions {
  clock?: SimClock;
}

export async function startSimNode(
  input: SimNodeInput | SimNodeConfig = {},
  options: StartSimNodeOptions = {},
): Promise<SimNodeHandle> {
  const config = parseSimNodeConfig(
    input,
    `sim node${typeof input.name === "string" ? ` "${input.name}"` : ""}`,
  );
  const engine = new SimEngine(config, { clock: options.clock ?? realClock });
  const app = buildSimServer(engine);
  const listeners = new Set<(request: SimRequestInfo) => void>();
  app.addHook("onRequest", (request, _reply, done) => {
    for (const listener of listeners)
      listener({ method: request.method, url: request.url, headers: request.headers });
    done();
  });
  await app.listen({ host: config.host, port: config.port });
  const { port } = app.server.address() as AddressInfo;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;
  return {
    name: config.name,
    url: `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`,
    port,
    engine,
    setFaults(faults) {
      const result = faultListSchema.safeParse(faults);
      if (!result.success)
        throw new ConfigError(
          formatConfigIssues(result.error, faults, `faults of sim node "${config.name}"`),
        );
      return engine.faults.replace(result.data);
    },
    clearFaults() {
      engine.faults.clear();
    },
    onRequest(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      closing ??= (async () => {
        engine.close();
        await app.close();
      })();
      return closing;
    },
  };
}
