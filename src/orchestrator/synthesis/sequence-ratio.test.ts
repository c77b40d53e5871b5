import { describe, expect, it } from "vitest";
import { sequenceRatio } from "./sequence-ratio.js";

const LONG_A =
  "def is_palindrome(s):\n    cleaned = ''.join(c.lower() for c in s if c.isalnum())\n    return cleaned == cleaned[::-1]\n\n# example usage\nprint(is_palindrome('A man, a plan, a canal: Panama'))\nprint(is_palindrome('race a car'))\n# more text to exceed two hundred characters in length for autojunk...........";
const LONG_B =
  "def is_palindrome(text):\n    left, right = 0, len(text) - 1\n    while left < right:\n        while left < right and not text[left].isalnum():\n            left += 1\n        while left < right and not text[right].isalnum():\n            right -= 1\n        if text[left].lower() != text[right].lower():\n            return False\n        left += 1\n        right -= 1\n    return True\n";

describe("sequenceRatio", () => {
  // Expected values computed with CPython 3.11's difflib.SequenceMatcher(None, a, b).ratio().
  it.each([
    ["abcd", "bcde", 0.75],
    ["def add(a, b):\n    return a + b", "def add(x, y):\n    return x + y", 0.8709677419354839],
    ["def add(a, b):\n    return a + b", "function add(a, b) { return a + b; }", 0.746268656716418],
    ["", "abc", 0],
    ["", "", 1],
    [LONG_A, LONG_B, 0.09734513274336283],
  ])("matches difflib on %#", (a, b, expected) => {
    expect(sequenceRatio(a, b)).toBeCloseTo(expected, 12);
  });
});
