/**
 * The active checks themselves, over HTTP with undici: liveness is `GET /` answering 200
 * "Ollama is running"; readiness is `GET /api/ps` answering 200 with a model list. Ollama keeps
 * answering `/` while its scheduler is stuck, so only readiness catches a node that hangs.
 */
import { type Dispatcher, request } from "undici";

export type ProbeKind = "liveness" | "readiness";

export interface HealthTarget {
  name: string;
  /** Base URL of the node, e.g. "http://gpu-box:11434". */
  url: string;
}

/** Resolves when the node passed, rejects with a reason when it did not. Must honour `signal`. */
export type Probe = (target: HealthTarget, kind: ProbeKind, signal: AbortSignal) => Promise<void>;

export const PROBE_PATHS: Record<ProbeKind, string> = { liveness: "/", readiness: "/api/ps" };

export class ProbeFailure extends Error {
  override readonly name = "ProbeFailure";
}

/** The default probe (a `Probe` with an extra dispatcher, to keep the checks' connections apart). */
export async function httpProbe(
  target: HealthTarget,
  kind: ProbeKind,
  signal: AbortSignal,
  dispatcher?: Dispatcher,
): Promise<void> {
  const path = PROBE_PATHS[kind];
  const response = await request(`${target.url.replace(/\/+$/, "")}${path}`, {
    method: "GET",
    signal,
    ...(dispatcher === undefined ? {} : { dispatcher }),
  });
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new ProbeFailure(`GET ${path} answered HTTP ${response.statusCode}`);
  }
  if (kind === "liveness") {
    const text = (await response.body.text()).trim();
    if (text !== "Ollama is running")
      throw new ProbeFailure(`GET / answered ${JSON.stringify(text.slice(0, 60))}, not "Ollama is running"`);
    return;
  }
  const body = (await response.body.json()) as { models?: unknown } | null;
  if (typeof body !== "object" || body === null || !Array.isArray(body.models))
    throw new ProbeFailure("GET /api/ps answered without a model list");
}
