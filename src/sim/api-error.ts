/**
 * An error the simulated node answers with: HTTP status plus Ollama's `{"error": "..."}` text.
 * Thrown by the engine and the request parsers, turned into a response by the server.
 */
export class SimApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "SimApiError";
  }
}
