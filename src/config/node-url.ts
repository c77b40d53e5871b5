import { ConfigError } from "../errors.js";

export const DEFAULT_OLLAMA_PORT = 11434;

/**
 * Turns what users write for a node ("gpu-box", "10.0.0.5:11434", "http://host:11434/",
 * OLLAMA_HOST values such as "0.0.0.0") into one canonical base URL, so that the same
 * node is never listed twice under two spellings.
 */
export function normalizeNodeUrl(raw: string): string {
  const trimmed = raw.trim();
  if (trimmed === "") throw new ConfigError("node URL is empty: give a URL like http://127.0.0.1:11434");
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed);
  let url: URL;
  try {
    url = new URL(hasScheme ? trimmed : `http://${trimmed}`);
  } catch {
    throw new ConfigError(`node URL "${raw}" is not a valid URL: give one like http://127.0.0.1:11434`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`node URL "${raw}" uses ${url.protocol} but only http:// and https:// are allowed`);
  }
  // Like Ollama's own OLLAMA_HOST parsing: a bare host means Ollama's port; an explicit
  // scheme without a port means that scheme's default port.
  const hostPart =
    (hasScheme ? trimmed.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "") : trimmed).split("/")[0] ?? "";
  const explicitPort = /:\d+$/.test(hostPart);
  if (!hasScheme && !explicitPort) url.port = String(DEFAULT_OLLAMA_PORT);
  // OLLAMA_HOST=0.0.0.0 means "listen everywhere" to Ollama; a client reaches it on loopback.
  if (url.hostname === "0.0.0.0") url.hostname = "127.0.0.1";
  if (url.hostname === "[::]") url.hostname = "[::1]";
  const path = url.pathname.replace(/\/+$/, "");
  const portPart = url.port === "" ? "" : `:${url.port}`;
  return `${url.protocol}//${url.hostname}${portPart}${path}`;
}

/** A short, readable default name for a node: its host and port. */
export function defaultNodeName(url: string): string {
  const parsed = new URL(url);
  return parsed.port ? `${parsed.hostname}:${parsed.port}` : parsed.hostname;
}
