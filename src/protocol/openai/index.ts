/** OpenAI ⇄ Ollama protocol translation: pure functions over data, no I/O. */
export * from "./errors.js";
export * from "./from-ollama.js";
export * from "./ids.js";
export * from "./sse.js";
export * from "./to-ollama.js";
export * from "./types.js";
export * from "./validate.js";
