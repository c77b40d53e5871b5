import { describe, expect, it } from "vitest";
import {
  isOpenAIErrorBody,
  OLLAMA_UNKNOWN_ERROR_MESSAGE,
  ollamaErrorMessage,
  openAIErrorFromOllama,
  openAIErrorType,
  toOpenAIErrorBody,
} from "./errors.js";

describe("toOpenAIErrorBody", () => {
  it("uses Ollama's error types by status", () => {
    expect(openAIErrorType(400)).toBe("invalid_request_error");
    expect(openAIErrorType(404)).toBe("not_found_error");
    for (const status of [401, 413, 429, 500, 502, 503]) expect(openAIErrorType(status)).toBe("api_error");
  });

  it("builds the full body with null param and code", () => {
    expect(toOpenAIErrorBody(404, 'model "x" not found, try pulling it first')).toStrictEqual({
      error: {
        message: 'model "x" not found, try pulling it first',
        type: "not_found_error",
        param: null,
        code: null,
      },
    });
  });
});

describe("openAIErrorFromOllama", () => {
  it("takes the message from a parsed or textual Ollama error body", () => {
    expect(openAIErrorFromOllama(400, { error: "invalid format" })).toStrictEqual(
      toOpenAIErrorBody(400, "invalid format"),
    );
    expect(openAIErrorFromOllama(404, '{"error":"model \\"m\\" not found"}').error).toStrictEqual({
      message: 'model "m" not found',
      type: "not_found_error",
      param: null,
      code: null,
    });
  });

  it("uses a non-JSON body as the message, as Ollama does", () => {
    expect(ollamaErrorMessage("502 Bad Gateway")).toBe("502 Bad Gateway");
    expect(openAIErrorFromOllama(502, "upstream down").error.type).toBe("api_error");
  });

  it("falls back to Ollama's generic message when there is none", () => {
    for (const body of [{}, { error: "" }, { error: 5 }, "", "{}", null, undefined, 42]) {
      expect(ollamaErrorMessage(body)).toBe(OLLAMA_UNKNOWN_ERROR_MESSAGE);
    }
  });
});

describe("isOpenAIErrorBody", () => {
  it("recognises error bodies only", () => {
    expect(isOpenAIErrorBody(toOpenAIErrorBody(500, "x"))).toBe(true);
    expect(isOpenAIErrorBody({ error: "x" })).toBe(false);
    expect(isOpenAIErrorBody({ choices: [] })).toBe(false);
    expect(isOpenAIErrorBody(null)).toBe(false);
  });
});
