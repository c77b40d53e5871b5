/**
 * Ollama names a model `name:tag` and treats a missing tag as `:latest`, so
 * "llama3.2" and "llama3.2:latest" are the same model.
 */
export function canonicalModelName(name: string): string {
  const trimmed = name.trim();
  const lastSegment = trimmed.slice(trimmed.lastIndexOf("/") + 1);
  return lastSegment.includes(":") ? trimmed : `${trimmed}:latest`;
}
