/**
 * Ollama model names: "llama3.2" means "llama3.2:latest", and the default registry and
 * namespace ("registry.ollama.ai/library/") may be spelled out or left off. Lookups are
 * case-insensitive, as in Ollama.
 */

const DEFAULT_PREFIXES = ["registry.ollama.ai/library/", "registry.ollama.ai/", "library/"];

/** The shortest display form with an explicit tag: "llama3.2" → "llama3.2:latest". */
export function displayModelName(name: string): string {
  let short = name.trim();
  for (const prefix of DEFAULT_PREFIXES) {
    if (short.toLowerCase().startsWith(prefix)) {
      short = short.slice(prefix.length);
      break;
    }
  }
  const lastSegment = short.slice(short.lastIndexOf("/") + 1);
  return lastSegment.includes(":") ? short : `${short}:latest`;
}

/** The key two names share when Ollama would treat them as the same model. */
export function modelKey(name: string): string {
  return displayModelName(name).toLowerCase();
}

/** The fully qualified form Ollama prints in capability errors. */
export function qualifiedModelName(name: string): string {
  const short = displayModelName(name);
  const slashes = short.split("/").length - 1;
  if (slashes === 0) return `registry.ollama.ai/library/${short}`;
  if (slashes === 1) return `registry.ollama.ai/${short}`;
  return short;
}

/** Ollama rejects names with characters outside this set (model.ParseName). */
export function isValidModelName(name: string): boolean {
  const short = displayModelName(name);
  return /^[A-Za-z0-9][A-Za-z0-9._\-/]*:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(short);
}
