import { describe, expect, it } from "vitest";
import { displayModelName, isValidModelName, modelKey, qualifiedModelName } from "./model-name.js";

describe("Ollama model names", () => {
  it.each([
    ["llama3.2", "llama3.2:latest"],
    ["llama3.2:3b", "llama3.2:3b"],
    ["registry.ollama.ai/library/llama3.2", "llama3.2:latest"],
    ["library/qwen2.5-coder:7b", "qwen2.5-coder:7b"],
    ["user/model", "user/model:latest"],
    ["host:5000/user/model", "host:5000/user/model:latest"],
  ])("%s displays as %s", (input, expected) => {
    expect(displayModelName(input)).toBe(expected);
  });

  it("gives one key to every spelling Ollama treats as the same model", () => {
    expect(modelKey("Llama3.2")).toBe(modelKey("registry.ollama.ai/library/llama3.2:latest"));
    expect(modelKey("llama3.2:3b")).not.toBe(modelKey("llama3.2"));
  });

  it("qualifies names the way Ollama prints them in errors", () => {
    expect(qualifiedModelName("llama3.2")).toBe("registry.ollama.ai/library/llama3.2:latest");
    expect(qualifiedModelName("user/m:1")).toBe("registry.ollama.ai/user/m:1");
  });

  it("rejects names Ollama would reject", () => {
    expect(isValidModelName("llama3.2:3b")).toBe(true);
    expect(isValidModelName("bad name")).toBe(false);
    expect(isValidModelName(":tag")).toBe(false);
  });
});
