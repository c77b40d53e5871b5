/**
 * The message in a node's error answer: Ollama's `{"error": "..."}`, an
 * OpenAI-style `{"error": {"message": ...}}`, or plain text.
 */
export function errorMessageOf(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error === "string") return parsed.error;
    const nested = parsed.error as { message?: unknown } | undefined;
    if (typeof nested?.message === "string") return nested.message;
  } catch {
    // Not JSON: fall through to the raw text.
  }
  const trimmed = text.trim();
  return trimmed === "" ? undefined : trimmed.slice(0, 500);
}
