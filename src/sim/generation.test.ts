import { describe, expect, it } from "vitest";
import { parseSimNodeConfig } from "./config.js";
import {
  continueAfter,
  type GenerationInput,
  type GenerationPlan,
  type GenerationStep,
  planGeneration,
} from "./generation.js";
import { buildModel } from "./models.js";
import { Rng } from "./rng.js";
import { generateTextPieces } from "./text-generator.js";
import { countTokens, splitIntoPieces } from "./tokens.js";

const [llama] = parseSimNodeConfig({}).models.map((m) => buildModel(m, 0));
if (!llama) throw new Error("default models missing");

function plan(overrides: Partial<GenerationInput> = {}): GenerationPlan {
  return planGeneration({
    model: llama as NonNullable<typeof llama>,
    promptText: "<|user|>\nTell me about sharded inference\n<|assistant|>\n",
    keywords: ["sharded", "inference"],
    think: false,
    fallbackSeed: 1234,
    responseTokens: { min: 20, max: 40 },
    ...overrides,
  });
}

const text = (p: GenerationPlan) => p.steps.map((s) => (s.kind === "tool_calls" ? "" : s.text)).join("");

describe("planGeneration", () => {
  it("gives the same answer for the same prompt when a seed is set or temperature is 0", () => {
    expect(text(plan({ options: { seed: 7 }, fallbackSeed: 1 }))).toBe(
      text(plan({ options: { seed: 7 }, fallbackSeed: 2 })),
    );
    expect(text(plan({ options: { temperature: 0 }, fallbackSeed: 1 }))).toBe(
      text(plan({ options: { temperature: 0 }, fallbackSeed: 99 })),
    );
    expect(text(plan({ options: { seed: 7 } }))).not.toBe(text(plan({ options: { seed: 8 } })));
  });

  it("follows the node's random stream otherwise", () => {
    expect(text(plan({ fallbackSeed: 1 }))).not.toBe(text(plan({ fallbackSeed: 2 })));
  });

  it("answers with readable sentences of a natural length, one step per token", () => {
    const p = plan({ options: { seed: 3 } });
    expect(p.doneReason).toBe("stop");
    expect(p.evalCount).toBeGreaterThanOrEqual(18);
    expect(p.evalCount).toBeLessThanOrEqual(40);
    expect(p.steps).toHaveLength(p.evalCount);
    expect(text(p)).toMatch(/^[A-Z][a-z]+( [A-Za-z]+|,)*[ a-z,]*\..*\.$/);
  });

  it("cuts at num_predict with done_reason length", () => {
    const p = plan({ options: { num_predict: 5, seed: 1 } });
    expect(p).toMatchObject({ doneReason: "length", evalCount: 5 });
    expect(p.steps).toHaveLength(5);
    expect(plan({ options: { num_predict: -1, seed: 1 } }).doneReason).toBe("stop");
  });

  it("stops before a stop sequence", () => {
    const full = text(plan({ options: { seed: 5 } }));
    const word = full.split(" ")[3] as string;
    const cut = text(plan({ options: { seed: 5, stop: [word] } }));
    expect(full.startsWith(cut)).toBe(true);
    expect(cut).not.toContain(word);
  });

  it("writes valid JSON for format json, streamed in pieces", () => {
    const p = plan({ format: "json", options: { seed: 9 } });
    expect(p.steps.length).toBeGreaterThan(3);
    expect(() => JSON.parse(text(p))).not.toThrow();
  });

  it("answers a user turn with a call to an offered tool, arguments matching its schema", () => {
    const tools = [
      {
        type: "function",
        function: {
          name: "search_docs",
          parameters: { type: "object", properties: { q: { type: "string" } } },
        },
      },
      {
        type: "function",
        function: {
          name: "get_weather",
          parameters: {
            type: "object",
            properties: { city: { type: "string" }, days: { type: "integer", minimum: 1, maximum: 3 } },
            required: ["city"],
          },
        },
      },
    ];
    const p = plan({ promptText: "what does get_weather say for Oslo?", toolsForCall: tools });
    const [step] = p.steps;
    expect(step?.kind).toBe("tool_calls");
    if (step?.kind !== "tool_calls") return;
    const call = step.calls[0];
    expect(call?.function.name).toBe("get_weather");
    expect(call?.id).toMatch(/^call_[a-z0-9]{8}$/);
    expect(typeof call?.function.arguments.city).toBe("string");
    expect(call?.function.arguments.days).toBeGreaterThanOrEqual(1);
    expect(p.evalCount).toBe(step.tokens);
  });

  it("thinks first when asked", () => {
    const p = plan({ think: true, options: { seed: 2 } });
    expect(p.steps[0]?.kind).toBe("thinking");
    expect(p.steps.some((s) => s.kind === "content")).toBe(true);
  });
});

describe("tokens", () => {
  it("counts about one token per short word and splits long words", () => {
    expect(countTokens("hello world")).toBe(2);
    expect(countTokens("understanding")).toBe(3);
    expect(countTokens("a, b 42")).toBe(5);
  });

  it("keeps generated pieces consistent with the counter", () => {
    const pieces = generateTextPieces(new Rng(5), 30, []);
    expect(countTokens(pieces.join(""))).toBe(pieces.length);
  });

  it("splits arbitrary text into pieces that join back exactly", () => {
    const sample = '{"name": "Ada Lovelace", "age": 36, "tags": ["math", "poetry"]}  ';
    expect(splitIntoPieces(sample).join("")).toBe(sample);
  });
});

describe("Go JSON syntax errors", () => {
  it("describe the first bad character the way Ollama's decoder does", async () => {
    const { goJsonSyntaxError } = await import("./json-syntax.js");
    expect(goJsonSyntaxError("nonsense")).toBe("invalid character 'o' in literal null (expecting 'u')");
    expect(goJsonSyntaxError("hello")).toBe("invalid character 'h' looking for beginning of value");
    expect(goJsonSyntaxError('{"model": "x",}')).toBe(
      "invalid character '}' looking for beginning of object key string",
    );
    expect(goJsonSyntaxError('{"model" "x"}')).toBe("invalid character '\"' after object key");
    expect(goJsonSyntaxError('{"a": [1 2]}')).toBe("invalid character '2' after array element");
    expect(goJsonSyntaxError('{"a": 1} x')).toBe("invalid character 'x' after top-level value");
    expect(goJsonSyntaxError('{"a": ')).toBe("unexpected EOF");
  });
});

describe("continueAfter: an assistant prefill continues the planned answer", () => {
  const steps: GenerationStep[] = [
    { kind: "thinking", text: "hmm", tokens: 1 },
    { kind: "content", text: "Hello", tokens: 1 },
    { kind: "content", text: " big", tokens: 1 },
    { kind: "content", text: " world", tokens: 1 },
  ];

  it("skips the content already written and the reasoning", () => {
    expect(continueAfter(steps, "Hello").map((s) => ("text" in s ? s.text : ""))).toEqual([" big", " world"]);
  });

  it("keeps the rest of a piece cut in the middle", () => {
    expect(continueAfter(steps, "Hello b").map((s) => ("text" in s ? s.text : ""))).toEqual(["ig", " world"]);
  });

  it("goes on with its own answer when the prefill is not its beginning", () => {
    expect(continueAfter(steps, "Bonjour").map((s) => ("text" in s ? s.text : ""))).toEqual([
      "Hello",
      " big",
      " world",
    ]);
  });

  it("has nothing left after the whole answer", () => {
    expect(continueAfter(steps, "Hello big world")).toEqual([]);
  });
});
