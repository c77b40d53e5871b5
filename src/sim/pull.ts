/** What /api/pull downloads for a model: its layers, as the Ollama registry lists them. */
import type { SimModel } from "./models.js";
import { sha256Hex } from "./rng.js";

export interface PullLayer {
  digest: string;
  bytes: number;
}

/** Layers of a model as the registry serves them: weights, template, license, params, config. */
export function pullLayers(model: SimModel): PullLayer[] {
  const layer = (kind: string, bytes: number) => ({
    digest: `sha256:${sha256Hex(`${model.key}:${kind}`)}`,
    bytes,
  });
  return [
    layer("weights", model.sizeBytes),
    layer("template", 1429),
    layer("license", 7711),
    layer("params", 96),
    layer("config", 561),
  ];
}
