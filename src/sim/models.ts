/**
 * The models installed on a node (what /api/tags lists), with the details Ollama reports:
 * digest, size in bytes, family, parameter size, quantization, capabilities.
 */

import { displayModelName, modelKey } from "../protocol/ollama/model-name.js";
import type { Capability, SimModelConfig } from "./config.js";
import { sha256Hex } from "./rng.js";

export interface SimModel {
  /** Display name with tag, e.g. "llama3.2:latest". */
  name: string;
  key: string;
  sizeMb: number;
  sizeBytes: number;
  digest: string;
  family: string;
  parameterSize: string;
  quantizationLevel: string;
  /** Length of the vectors /api/embed returns. */
  embeddingDim: number;
  contextLength: number;
  capabilities: Capability[];
  speed: number;
  modifiedAt: number;
  config: SimModelConfig;
}

/** Vector length for models that are not embedding models (Ollama can embed with any model). */
const CHAT_MODEL_EMBEDDING_DIM = 1024;

export function buildModel(config: SimModelConfig, modifiedAt: number, name = config.name): SimModel {
  const display = displayModelName(name);
  const embedding = config.embedding_dim !== undefined;
  const capabilities: Capability[] =
    config.capabilities ?? (embedding ? ["embedding"] : ["completion", "tools"]);
  return {
    name: display,
    key: modelKey(display),
    sizeMb: config.size_mb,
    sizeBytes: Math.round(config.size_mb * 1024 * 1024),
    // The digest follows the model's content (its source name), so a copy shares it, as in Ollama.
    digest: sha256Hex(`hydra-sim-model:${modelKey(config.name)}:${config.size_mb}`),
    family: config.family ?? guessFamily(display, embedding),
    parameterSize:
      config.parameter_size ?? guessParameterSize(display, config.size_mb, config.quantization_level),
    quantizationLevel: config.quantization_level,
    embeddingDim: config.embedding_dim ?? CHAT_MODEL_EMBEDDING_DIM,
    contextLength: config.context_length,
    capabilities,
    speed: config.speed,
    modifiedAt,
    config,
  };
}

function guessFamily(name: string, embedding: boolean): string {
  const base = name.slice(name.lastIndexOf("/") + 1).split(":")[0] ?? name;
  const letters = base.match(/^[a-z]+/i)?.[0]?.toLowerCase() ?? "llama";
  if (embedding) return letters === "nomic" ? "nomic-bert" : "bert";
  if (letters === "qwen") return "qwen2";
  return letters;
}

function guessParameterSize(name: string, sizeMb: number, quantization: string): string {
  const tag = name.split(":")[1] ?? "";
  const fromTag = tag.match(/(\d+(?:\.\d+)?)([bm])/i);
  if (fromTag) return `${fromTag[1]}${(fromTag[2] ?? "b").toUpperCase()}`;
  // Bytes per parameter by quantization: ~0.6 for 4-bit, ~1.1 for 8-bit, 2 for F16.
  const bytesPerParam = quantization.startsWith("Q8") ? 1.1 : quantization.startsWith("F16") ? 2 : 0.6;
  const params = (sizeMb * 1024 * 1024) / bytesPerParam;
  return params >= 1e9 ? `${(params / 1e9).toFixed(1)}B` : `${Math.round(params / 1e6)}M`;
}

/** The node's installed models, keyed case-insensitively like Ollama's manifests. */
export class ModelInventory {
  private readonly models = new Map<string, SimModel>();

  constructor(models: readonly SimModel[] = []) {
    for (const model of models) this.models.set(model.key, model);
  }

  get(name: string): SimModel | undefined {
    return this.models.get(modelKey(name));
  }

  has(name: string): boolean {
    return this.models.has(modelKey(name));
  }

  put(model: SimModel): void {
    this.models.set(model.key, model);
  }

  delete(name: string): SimModel | undefined {
    const model = this.get(name);
    if (model) this.models.delete(model.key);
    return model;
  }

  /** Most recently modified first, as /api/tags orders them. */
  list(): SimModel[] {
    return [...this.models.values()].sort((a, b) => b.modifiedAt - a.modifiedAt);
  }
}
