/**
 * L4, semantic memory: embeddings from the cluster, an exact sqlite-vec index per gateway, and
 * (with PostgreSQL) a shared log that keeps every gateway's index in step.
 */
export { SQLITE_VEC_MAX_K, type VectorConfig, type VectorConfigInput, vectorConfigSchema } from "./config.js";
export { Embedder, type EmbedderOptions, type EmbedderStats, type EmbedFunction } from "./embedder.js";
export {
  EmbeddingError,
  VectorDimensionError,
  VectorIndexUnavailableError,
  VectorNotFoundError,
  VectorQueryError,
  VectorValueError,
} from "./errors.js";
export { exactTopK, type FlatVectors, recallAt, type ScoredId } from "./exact-search.js";
export { type Metadata, type MetadataScalar, type VectorFilter, vectorFilterSchema } from "./filter.js";
export { httpEmbedFunction, poolEmbedFunction } from "./ollama-embed.js";
export { randomUnitVectors, vectorAt } from "./random-vectors.js";
export {
  openSemanticMemory,
  type RememberEntry,
  SemanticMemory,
  type SemanticMemoryOptions,
  type SemanticMemoryStats,
} from "./semantic-memory.js";
export {
  type SharedRow,
  SharedVectorLog,
  type SharedVectorLogOptions,
  VECTOR_MIGRATIONS,
} from "./shared-log.js";
export { SimdScanner } from "./simd-scan.js";
export {
  DEFAULT_NAMESPACE,
  type StoredItem,
  type VectorHit,
  VectorIndex,
  type VectorIndexOptions,
  type VectorItem,
} from "./vector-index.js";
export { canonicalJson, planRow, VectorSync } from "./vector-sync.js";
