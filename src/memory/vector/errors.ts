/**
 * What the vector index refuses or fails at, as HydraErrors with stable codes: the gateway's error
 * handler turns each into its status, with a message that says what to change.
 */
import { HydraError } from "../../errors.js";

/** A vector whose length is not the index's dimension (or any vector the index cannot use). */
export class VectorDimensionError extends HydraError {
  readonly expected: number;
  readonly actual: number;
  constructor(expected: number, actual: number, model: string) {
    super(
      "HYDRA_ERR_VECTOR_DIMENSION",
      400,
      `the vector has ${actual} dimensions but the index holds ${expected}-dimensional vectors of model "${model}"; send a ${expected}-dimensional vector from that model, or send "query" text instead`,
    );
    this.expected = expected;
    this.actual = actual;
  }
}

/** A vector that cannot be compared: zero length, NaN or infinite components. */
export class VectorValueError extends HydraError {
  constructor(reason: string) {
    super("HYDRA_ERR_VECTOR_VALUE", 400, `invalid vector: ${reason}`);
  }
}

/** A search the index cannot run as asked: k out of range, a bad filter, an empty query. */
export class VectorQueryError extends HydraError {
  constructor(message: string) {
    super("HYDRA_ERR_VECTOR_QUERY", 400, message);
  }
}

/** The cluster did not produce usable embeddings (no node with the model, a malformed answer). */
export class EmbeddingError extends HydraError {
  readonly model: string;
  constructor(model: string, message: string, options?: { cause?: unknown; status?: number }) {
    super(
      "HYDRA_ERR_EMBEDDING",
      options?.status ?? 502,
      `embedding with model "${model}" failed: ${message}`,
      {
        cause: options?.cause,
      },
    );
    this.model = model;
  }
}

/** No entry with this id in the vector index. */
export class VectorNotFoundError extends HydraError {
  constructor(id: string) {
    super(
      "HYDRA_ERR_VECTOR_NOT_FOUND",
      404,
      `no semantic memory entry with id ${JSON.stringify(id)}: it was never stored, or was deleted`,
    );
  }
}

/** The vector index is off (`memory.vectors.enabled: false`) or closed. */
export class VectorIndexUnavailableError extends HydraError {
  constructor(
    message = "semantic memory is off in this gateway (memory.vectors.enabled: false); set it to true to search",
  ) {
    super("HYDRA_ERR_VECTORS_DISABLED", 503, message);
  }
}
