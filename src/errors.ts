/**
 * Every error Hydra raises on purpose carries a stable code users can search for
 * (HYDRA_ERR_*), the HTTP status it maps to, and a message that says what to do.
 */
export class HydraError extends Error {
  readonly code: string;
  readonly status: number;
  /** Seconds a client should wait before retrying, when the cause is transient. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: string,
    status: number,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** A node named in the request is not in the pool. */
export class NodeNotFoundError extends HydraError {
  constructor(name: string, nodes: readonly { name: string }[]) {
    const known = nodes.map((node) => node.name).join(", ") || "none";
    super(
      "HYDRA_ERR_NODE_NOT_FOUND",
      404,
      `unknown node "${name}"; known nodes: ${known} (see GET /v1/hydra/nodes)`,
    );
  }
}

/** The request is malformed: wrong JSON, wrong types, missing fields. */
export class BadRequestError extends HydraError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("HYDRA_ERR_BAD_REQUEST", 400, message, options);
  }
}

/** The request body is larger than `server.bodyLimit`. */
export class PayloadTooLargeError extends HydraError {
  constructor(limitBytes: number) {
    super(
      "HYDRA_ERR_BODY_TOO_LARGE",
      413,
      `request body is larger than the limit of ${limitBytes} bytes; send a smaller body or raise server.bodyLimit`,
    );
  }
}

/** No node in the pool has the requested model. Mirrors Ollama's own 404 wording. */
export class ModelNotFoundError extends HydraError {
  readonly model: string;
  constructor(model: string) {
    super("HYDRA_ERR_MODEL_NOT_FOUND", 404, `model "${model}" not found, try pulling it first`);
    this.model = model;
  }
}

/** Missing or wrong API key. */
export class UnauthorizedError extends HydraError {
  constructor(
    message = "missing or invalid API key: send 'Authorization: Bearer <key>' with a key from auth.keys",
  ) {
    super("HYDRA_ERR_UNAUTHORIZED", 401, message);
  }
}

/** Nodes exist for the model, but none can take the request (all down or unreachable). */
export class NoNodeAvailableError extends HydraError {
  constructor(message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super("HYDRA_ERR_NO_NODE_AVAILABLE", 503, message, options);
  }
}

/**
 * A node answered with an error, or the connection to it failed. `kind` is the
 * dispatcher's failure class (e.g. "bad_request", "context_length", "overloaded").
 */
export class UpstreamError extends HydraError {
  readonly node: string;
  readonly kind: string;
  constructor(
    node: string,
    status: number,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number; kind?: string },
  ) {
    super("HYDRA_ERR_UPSTREAM", status, message, options);
    this.node = node;
    this.kind = options?.kind ?? "upstream";
  }
}

/** The gateway is draining: it finishes what it has and takes nothing new. */
export class ShuttingDownError extends HydraError {
  constructor(message = "the gateway is shutting down; retry on another gateway or in a moment") {
    super("HYDRA_ERR_SHUTTING_DOWN", 503, message, { retryAfterSeconds: 1 });
  }
}

/** The request ran longer than `upstream.totalTimeoutMs`. */
export class TotalTimeoutError extends HydraError {
  constructor(timeoutMs: number) {
    super(
      "HYDRA_ERR_TOTAL_TIMEOUT",
      504,
      `the request took longer than upstream.totalTimeoutMs (${timeoutMs} ms); ask for fewer tokens or raise the limit`,
    );
  }
}

/** The configuration file, environment or flags hold a value Hydra cannot use. */
export class ConfigError extends HydraError {
  constructor(message: string) {
    super("HYDRA_ERR_CONFIG", 500, message);
  }
}

export function isHydraError(error: unknown): error is HydraError {
  return error instanceof HydraError;
}
