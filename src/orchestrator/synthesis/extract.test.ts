import { describe, expect, it } from "vitest";
import {
  definesFunction,
  detectLanguage,
  dominantLanguage,
  extractCode,
  findCodeBlocks,
  findFencedBlocks,
  isProseLine,
  languageFromTag,
  separateInlineTests,
} from "./extract.js";

const PY_ADD = "def add(a, b):\n    return a + b";

describe("findFencedBlocks", () => {
  it("reads labelled, unlabelled and tilde fences in order", () => {
    const text = [
      "Intro.",
      "```python",
      PY_ADD,
      "```",
      "Then:",
      "```",
      "print(add(1, 2))",
      "```",
      "~~~js",
      "const x = 1;",
      "~~~",
    ].join("\n");
    const blocks = findFencedBlocks(text);
    expect(blocks.map((b) => [b.info, b.language, b.code])).toEqual([
      ["python", "python", PY_ADD],
      ["", "python", "print(add(1, 2))"],
      ["js", "javascript", "const x = 1;"],
    ]);
  });

  it("strips the fence's indentation (fences inside list items) and handles CRLF", () => {
    const text = "1. Define it:\r\n   ```py\r\n   def f():\r\n       return 1\r\n   ```\r\n";
    expect(findFencedBlocks(text)[0]?.code).toBe("def f():\n    return 1");
  });

  it("runs an unclosed fence to the end of the answer (cut-off output)", () => {
    expect(findFencedBlocks("```ts\nconst a: number = 1;\nconst b")[0]?.code).toBe(
      "const a: number = 1;\nconst b",
    );
  });

  it("needs a closing fence at least as long as the opening one", () => {
    const blocks = findFencedBlocks("````md\n```js\nx\n```\n````\n");
    expect(blocks).toHaveLength(1);
    expect(blocks[0]?.code).toBe("```js\nx\n```");
    expect(blocks[0]?.language).toBeUndefined();
  });

  it("marks shell and output fences as no language even when their content looks like code", () => {
    expect(findFencedBlocks("```bash\nimport x\n```")[0]?.language).toBeUndefined();
  });
});

describe("languageFromTag", () => {
  it.each([
    ["python", "python"],
    ["Python3", "python"],
    ["py", "python"],
    ["js", "javascript"],
    ["node", "javascript"],
    ["jsx", "javascript"],
    ["ts", "typescript"],
    ["typescript title=x.ts", "typescript"],
    ["tsx", "typescript"],
    ["rust", undefined],
    ["", undefined],
  ])("%s → %s", (tag, lang) => {
    expect(languageFromTag(tag)).toBe(lang);
  });
});

describe("detectLanguage", () => {
  it.each([
    [PY_ADD, "python"],
    ["import math\nx = math.sqrt(2)\nprint(x)", "python"],
    ["class A:\n    def __init__(self):\n        self.x = None", "python"],
    ["function add(a, b) {\n  return a + b;\n}", "javascript"],
    ["const add = (a, b) => a + b;\nconsole.log(add(1, 2));", "javascript"],
    ["function add(a: number, b: number): number {\n  return a + b;\n}", "typescript"],
    ["interface P { x: number }\nconst p: P = { x: 1 };", "typescript"],
    ["hello world", undefined],
  ])("%s", (code, lang) => {
    expect(detectLanguage(code)).toBe(lang);
  });
});

describe("isProseLine", () => {
  it.each([
    ["Here is the solution:", true],
    ["This function adds two numbers.", true],
    ["- it handles negatives", true],
    ["1. First, sort the list", true],
    ["Example:", true],
    ["def add(a, b):", false],
    ["    return a + b", false],
    ["result = add(1, 2)", false],
    ["print(add(1, 2))", false],
    ["}", false],
    ["const x = 1;", false],
    ["# a comment", false],
    ["add(1, 2)", false],
  ])("%s → %s", (line, prose) => {
    expect(isProseLine(line)).toBe(prose);
  });
});

describe("findCodeBlocks without fences", () => {
  it("strips the prose around bare code", () => {
    const text = `Sure! Here's the function:\n${PY_ADD}\nThis adds two numbers.`;
    const [block] = findCodeBlocks(text);
    expect(block).toMatchObject({ code: PY_ADD, fenced: false, language: "python" });
  });

  it("reads Markdown indented code blocks between prose", () => {
    const text = "Here is the code:\n\n    def add(a, b):\n        return a + b\n\nThat is all.";
    expect(findCodeBlocks(text)[0]?.code).toBe(PY_ADD);
  });

  it("returns the whole answer when it is only code, and nothing for pure prose", () => {
    expect(findCodeBlocks(PY_ADD)[0]?.code).toBe(PY_ADD);
    expect(findCodeBlocks("I cannot help with that request today.")).toEqual([]);
  });
});

describe("definesFunction", () => {
  it.each([
    ["python", PY_ADD, true],
    ["python", "async def add(a, b):\n    pass", true],
    ["python", "add = lambda a, b: a + b", true],
    ["python", "class S:\n    def add(self, a, b):\n        return a + b", true],
    ["python", "def add_one(a):\n    return a + 1", false],
    ["python", "print(add(1, 2))", false],
    ["javascript", "function add(a, b) { return a + b; }", true],
    ["javascript", "export const add = (a, b) => a + b;", true],
    ["javascript", "let add = function (a, b) { return a + b; };", true],
    ["javascript", "module.exports.add = (a, b) => a + b; exports.add = add;", true],
    ["typescript", "function add<T>(a: T): T { return a; }", true],
    ["typescript", "const add: (a: number) => number = (a) => a;", true],
    ["javascript", "console.log(add(1, 2));", false],
    ["javascript", "obj.add = 1;", false],
  ] as const)("%s: %s", (lang, code, yes) => {
    expect(definesFunction(code, "add", lang)).toBe(yes);
  });
});

describe("separateInlineTests", () => {
  it("moves top-level asserts (with their setup) out of a Python solution", () => {
    const code = `${PY_ADD}\n\nr = add(1, 2)\nassert r == 3\nassert add(0, 0) == 0\n`;
    const { code: solution, tests } = separateInlineTests(code, "python");
    expect(solution).toBe(`${PY_ADD}\n\nr = add(1, 2)`);
    expect(tests).toEqual(["r = add(1, 2)\nassert r == 3\nassert add(0, 0) == 0"]);
  });

  it("keeps a __main__ guard in the solution but harvests its asserts", () => {
    const code = `${PY_ADD}\n\nif __name__ == "__main__":\n    assert add(2, 2) == 4\n`;
    const { code: solution, tests } = separateInlineTests(code, "python");
    expect(solution).toBe(code);
    expect(tests).toEqual(["assert add(2, 2) == 4"]);
  });

  it("moves JavaScript assert calls and test() blocks out", () => {
    const code =
      'const assert = require("assert");\nfunction add(a, b) { return a + b; }\nassert.equal(add(1, 2), 3);\ntest("x", () => {});\n';
    const { code: solution, tests } = separateInlineTests(code, "javascript");
    expect(solution).toBe('const assert = require("assert");\nfunction add(a, b) { return a + b; }');
    expect(tests[0]).toContain("assert.equal(add(1, 2), 3);");
  });

  it("returns the code untouched when there are no tests", () => {
    expect(separateInlineTests(PY_ADD, "python")).toEqual({ code: PY_ADD, tests: [] });
  });
});

describe("extractCode", () => {
  it("prefers the block that defines the requested function over a longer usage block", () => {
    const usage =
      "values = [1, 2, 3, 4, 5, 6, 7, 8, 9]\nfor v in values:\n    print(v, add(v, v), add(v, 1), add(1, v))";
    const text = `Usage first:\n\`\`\`python\n${usage}\n\`\`\`\nThe function:\n\`\`\`python\n${PY_ADD}\n\`\`\``;
    const got = extractCode(text, { language: "python", functionName: "add" });
    expect(got?.code).toBe(PY_ADD);
    expect(got?.reason).toMatch(/defines add/);
  });

  it("takes the longest block in the requested language and skips other languages", () => {
    const text =
      "```js\nfunction add(a, b) { return a + b; }\n```\n```python\nx = 1\n```\n```python\ndef f():\n    return 1\n```";
    expect(extractCode(text, { language: "python" })?.code).toBe("def f():\n    return 1");
    expect(extractCode(text, { language: "javascript" })?.code).toBe("function add(a, b) { return a + b; }");
    expect(extractCode("```rust\nfn main() {}\n```", { language: "python" })).toBeUndefined();
  });

  it("treats a block of asserts as the model's tests, not its solution", () => {
    const text = `\`\`\`python\n${PY_ADD}\n\`\`\`\nTests:\n\`\`\`python\nassert add(1, 2) == 3\nassert add(-1, 1) == 0\n\`\`\``;
    const got = extractCode(text, { language: "python", functionName: "add" });
    expect(got?.code).toBe(PY_ADD);
    expect(got?.tests).toEqual(["assert add(1, 2) == 3\nassert add(-1, 1) == 0"]);
  });

  it("accepts JavaScript blocks for a TypeScript task and keeps the detected language", () => {
    const got = extractCode("```js\nfunction add(a, b) { return a + b; }\n```", { language: "typescript" });
    expect(got?.language).toBe("javascript");
  });

  it("uses an unlabelled block whose language cannot be told", () => {
    expect(extractCode("```\nx\n```", { language: "python" })?.code).toBe("x");
  });

  it("picks the majority language when none is requested", () => {
    const got = extractCode("```ts\nconst a: number = 1;\n```\n");
    expect(got?.language).toBe("typescript");
    expect(extractCode("No code here at all, sorry.")).toBeUndefined();
  });

  it("handles an answer that is code with prose, CRLF and indentation", () => {
    const text =
      "Here you go:\r\n\r\n    function add(a, b) {\r\n      return a + b;\r\n    }\r\n\r\nHope this helps.";
    const got = extractCode(text, { language: "javascript", functionName: "add" });
    expect(got?.code).toBe("function add(a, b) {\n  return a + b;\n}");
    expect(got?.fenced).toBe(false);
  });
});

describe("dominantLanguage", () => {
  it("counts each answer once by its main language", () => {
    expect(dominantLanguage([`\`\`\`python\n${PY_ADD}\n\`\`\``, "```js\nconst a = 1;\n```", PY_ADD])).toBe(
      "python",
    );
    expect(dominantLanguage(["no code"])).toBeUndefined();
  });
});
