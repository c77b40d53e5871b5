/**
 * Models a simulated node knows how to "pull" when its config names no catalog, with sizes
 * and details close to the real entries on ollama.com, so pulls take a believable time.
 */
import type { SimModelInput } from "./config.js";

export const BUILTIN_CATALOG: SimModelInput[] = [
  { name: "llama3.2:latest", size_mb: 1926, family: "llama", parameter_size: "3.2B" },
  { name: "llama3.2:3b", size_mb: 1926, family: "llama", parameter_size: "3.2B" },
  { name: "llama3.2:1b", size_mb: 1260, family: "llama", parameter_size: "1.2B", quantization_level: "Q8_0" },
  { name: "llama3.1:8b", size_mb: 4692, family: "llama", parameter_size: "8.0B" },
  { name: "qwen2.5-coder:7b", size_mb: 4466, family: "qwen2", parameter_size: "7.6B" },
  { name: "qwen2.5:7b", size_mb: 4466, family: "qwen2", parameter_size: "7.6B" },
  { name: "mistral:7b", size_mb: 3923, family: "llama", parameter_size: "7.2B", quantization_level: "Q4_0" },
  { name: "phi3:mini", size_mb: 2075, family: "phi3", parameter_size: "3.8B", quantization_level: "Q4_0" },
  { name: "gemma2:2b", size_mb: 1554, family: "gemma2", parameter_size: "2.6B", quantization_level: "Q4_0" },
  {
    name: "deepseek-r1:7b",
    size_mb: 4466,
    family: "qwen2",
    parameter_size: "7.6B",
    capabilities: ["completion", "thinking"],
  },
  {
    name: "nomic-embed-text:latest",
    size_mb: 262,
    family: "nomic-bert",
    parameter_size: "137M",
    quantization_level: "F16",
    embedding_dim: 768,
  },
  {
    name: "mxbai-embed-large:latest",
    size_mb: 639,
    family: "bert",
    parameter_size: "334M",
    quantization_level: "F16",
    embedding_dim: 1024,
  },
  {
    name: "all-minilm:latest",
    size_mb: 44,
    family: "bert",
    parameter_size: "23M",
    quantization_level: "F16",
    embedding_dim: 384,
  },
];

/** What a node has installed when its config does not list models: one chat and one embedding model. */
export const DEFAULT_MODELS: SimModelInput[] = [
  { name: "llama3.2:latest", size_mb: 1926, family: "llama", parameter_size: "3.2B" },
  {
    name: "nomic-embed-text:latest",
    size_mb: 262,
    family: "nomic-bert",
    parameter_size: "137M",
    quantization_level: "F16",
    embedding_dim: 768,
  },
];
