/**
 * JavaScript tasks of the bank. Candidates are plain scripts (function declarations, no
 * import/export); tests are `assert.*` statements with `assert` bound to `node:assert`.
 */
import { type BankTask, code } from "../types.js";

type JavaScriptTask = Omit<BankTask, "language" | "type">;
const javascript = (task: JavaScriptTask): BankTask => ({ ...task, language: "javascript", type: "code" });

export const JAVASCRIPT_TASKS: BankTask[] = [
  javascript({
    id: "js-fizzbuzz-value",
    title: "FizzBuzz value of one number",
    functionName: "fizzBuzzValue",
    prompt:
      'Write a JavaScript function `fizzBuzzValue(n)` that returns "Fizz" when n is a multiple of 3, "Buzz" for a multiple of 5, "FizzBuzz" for a multiple of both, and otherwise n as a string.',
    reference: code`
      function fizzBuzzValue(n) {
        if (n % 15 === 0) return "FizzBuzz";
        if (n % 3 === 0) return "Fizz";
        if (n % 5 === 0) return "Buzz";
        return String(n);
      }
    `,
    buggy: [
      code`
        function fizzBuzzValue(n) {
          if (n % 3 === 0) return "Fizz";
          if (n % 5 === 0) return "Buzz";
          if (n % 15 === 0) return "FizzBuzz";
          return String(n);
        }
      `,
      code`
        function fizzBuzzValue(n) {
          if (n % 15 === 0) return "FizzBuzz";
          if (n % 3 === 0) return "Fizz";
          if (n % 5 === 0) return "Buzz";
          return n;
        }
      `,
    ],
    hiddenTests: [
      'assert.strictEqual(fizzBuzzValue(3), "Fizz");',
      'assert.strictEqual(fizzBuzzValue(5), "Buzz");',
      'assert.strictEqual(fizzBuzzValue(15), "FizzBuzz");',
      'assert.strictEqual(fizzBuzzValue(7), "7");',
      'assert.strictEqual(fizzBuzzValue(30), "FizzBuzz");',
    ],
    modelTests: [
      'assert.strictEqual(fizzBuzzValue(45), "FizzBuzz");',
      'assert.strictEqual(fizzBuzzValue(1), "1");',
      'assert.strictEqual(fizzBuzzValue(10), "Buzz");',
    ],
    wrongTests: ['assert.strictEqual(fizzBuzzValue(45), "Fizz");'],
    locals: ["n"],
  }),
  javascript({
    id: "js-capitalize-words",
    title: "Capitalize every word",
    functionName: "capitalizeWords",
    prompt:
      "Write a JavaScript function `capitalizeWords(text)` that upper-cases the first letter of every space-separated word and leaves everything else, including the rest of each word and the spacing, unchanged.",
    reference: code`
      function capitalizeWords(text) {
        return text
          .split(" ")
          .map((word) => (word.length > 0 ? word[0].toUpperCase() + word.slice(1) : word))
          .join(" ");
      }
    `,
    buggy: [
      code`
        function capitalizeWords(text) {
          return text
            .split(" ")
            .map((word) => word[0].toUpperCase() + word.slice(1))
            .join(" ");
        }
      `,
      code`
        function capitalizeWords(text) {
          return text
            .split(" ")
            .map((word) => (word.length > 0 ? word[0].toUpperCase() + word.slice(1).toLowerCase() : word))
            .join(" ");
        }
      `,
      code`
        function capitalizeWords(text) {
          return text
            .split(/\s+/)
            .map((word) => (word.length > 0 ? word[0].toUpperCase() + word.slice(1) : word))
            .join(" ");
        }
      `,
    ],
    hiddenTests: [
      'assert.strictEqual(capitalizeWords("hello world"), "Hello World");',
      'assert.strictEqual(capitalizeWords(""), "");',
      'assert.strictEqual(capitalizeWords("a  b"), "A  B");',
      'assert.strictEqual(capitalizeWords("use JSON now"), "Use JSON Now");',
    ],
    modelTests: [
      'assert.strictEqual(capitalizeWords("the quick fox"), "The Quick Fox");',
      'assert.strictEqual(capitalizeWords("x"), "X");',
      'assert.strictEqual(capitalizeWords("macOS rocks"), "MacOS Rocks");',
      'assert.strictEqual(capitalizeWords(" lead"), " Lead");',
    ],
    wrongTests: ['assert.strictEqual(capitalizeWords("macOS rocks"), "Macos Rocks");'],
    locals: ["word", "text"],
  }),
  javascript({
    id: "js-sum-range",
    title: "Sum of an inclusive integer range",
    functionName: "sumRange",
    prompt:
      "Write a JavaScript function `sumRange(start, end)` that returns the sum of all integers from start to end inclusive; start may be greater than end.",
    reference: code`
      function sumRange(start, end) {
        const lo = Math.min(start, end);
        const hi = Math.max(start, end);
        let total = 0;
        for (let i = lo; i <= hi; i++) total += i;
        return total;
      }
    `,
    buggy: [
      code`
        function sumRange(start, end) {
          const lo = Math.min(start, end);
          const hi = Math.max(start, end);
          let total = 0;
          for (let i = lo; i < hi; i++) total += i;
          return total;
        }
      `,
      code`
        function sumRange(start, end) {
          let total = 0;
          for (let i = start; i <= end; i++) total += i;
          return total;
        }
      `,
    ],
    hiddenTests: [
      "assert.strictEqual(sumRange(1, 5), 15);",
      "assert.strictEqual(sumRange(5, 1), 15);",
      "assert.strictEqual(sumRange(3, 3), 3);",
      "assert.strictEqual(sumRange(-2, 2), 0);",
      "assert.strictEqual(sumRange(0, 10), 55);",
    ],
    modelTests: [
      "assert.strictEqual(sumRange(1, 3), 6);",
      "assert.strictEqual(sumRange(4, 2), 9);",
      "assert.strictEqual(sumRange(10, 10), 10);",
    ],
    wrongTests: ["assert.strictEqual(sumRange(1, 3), 3);"],
    locals: ["lo", "hi", "total", "i", "start", "end"],
  }),
  javascript({
    id: "js-count-occurrences",
    title: "Count substring occurrences",
    functionName: "countOccurrences",
    prompt:
      "Write a JavaScript function `countOccurrences(text, sub)` that returns how many non-overlapping times sub occurs in text, and 0 when sub is empty.",
    reference: code`
      function countOccurrences(text, sub) {
        if (sub.length === 0) return 0;
        let count = 0;
        let pos = text.indexOf(sub);
        while (pos !== -1) {
          count++;
          pos = text.indexOf(sub, pos + sub.length);
        }
        return count;
      }
    `,
    buggy: [
      code`
        function countOccurrences(text, sub) {
          if (sub.length === 0) return 0;
          let count = 0;
          let pos = text.indexOf(sub);
          while (pos !== -1) {
            count++;
            pos = text.indexOf(sub, pos + 1);
          }
          return count;
        }
      `,
      code`
        function countOccurrences(text, sub) {
          return text.split(sub).length - 1;
        }
      `,
    ],
    hiddenTests: [
      'assert.strictEqual(countOccurrences("banana", "an"), 2);',
      'assert.strictEqual(countOccurrences("aaaa", "aa"), 2);',
      'assert.strictEqual(countOccurrences("abc", ""), 0);',
      'assert.strictEqual(countOccurrences("abc", "d"), 0);',
      'assert.strictEqual(countOccurrences("", "a"), 0);',
    ],
    modelTests: [
      'assert.strictEqual(countOccurrences("hello hello", "hello"), 2);',
      'assert.strictEqual(countOccurrences("aaa", "aa"), 1);',
      'assert.strictEqual(countOccurrences("xyz", ""), 0);',
    ],
    wrongTests: ['assert.strictEqual(countOccurrences("aaa", "aa"), 2);'],
    locals: ["count", "pos", "text", "sub"],
  }),
  javascript({
    id: "js-unique-values",
    title: "Unique values in first-seen order",
    functionName: "uniqueValues",
    prompt:
      "Write a JavaScript function `uniqueValues(items)` that returns a new array with the duplicates removed (compared like a Set does, so NaN equals NaN), keeping the first occurrence of each value in its original order.",
    reference: code`
      function uniqueValues(items) {
        const seen = new Set();
        const result = [];
        for (const item of items) {
          if (!seen.has(item)) {
            seen.add(item);
            result.push(item);
          }
        }
        return result;
      }
    `,
    buggy: [
      code`
        function uniqueValues(items) {
          return [...new Set(items)].sort();
        }
      `,
      code`
        function uniqueValues(items) {
          return items.filter((item, index) => items.indexOf(item) === index);
        }
      `,
      code`
        function uniqueValues(items) {
          return items.filter((item, index) => items.lastIndexOf(item) === index);
        }
      `,
    ],
    hiddenTests: [
      "assert.deepStrictEqual(uniqueValues([3, 1, 3, 2, 1]), [3, 1, 2]);",
      "assert.deepStrictEqual(uniqueValues([]), []);",
      'assert.deepStrictEqual(uniqueValues(["b", "a", "b"]), ["b", "a"]);',
      "assert.deepStrictEqual(uniqueValues([NaN, 1, NaN]), [NaN, 1]);",
      'assert.deepStrictEqual(uniqueValues([1, "1", 1]), [1, "1"]);',
    ],
    modelTests: [
      "assert.deepStrictEqual(uniqueValues([1, 1, 1]), [1]);",
      'assert.deepStrictEqual(uniqueValues(["x", "y", "x", "z"]), ["x", "y", "z"]);',
      "assert.deepStrictEqual(uniqueValues([2, 1, 2]), [2, 1]);",
    ],
    wrongTests: ["assert.deepStrictEqual(uniqueValues([2, 1, 2]), [1, 2]);"],
    locals: ["seen", "result", "item", "index", "items"],
  }),
  javascript({
    id: "js-parse-query-string",
    title: "Parse a URL query string",
    functionName: "parseQueryString",
    prompt:
      'Write a JavaScript function `parseQueryString(query)` that parses a URL query string like "?a=1&b=hello+world" into a plain object of strings: an optional leading "?" is ignored, "+" means a space, keys and values are percent-decoded, a key without "=" gets "", only the first "=" separates key and value, and a repeated key keeps its last value.',
    reference: code`
      function parseQueryString(query) {
        const result = {};
        const text = query.startsWith("?") ? query.slice(1) : query;
        if (text === "") return result;
        const decode = (s) => decodeURIComponent(s.split("+").join(" "));
        for (const part of text.split("&")) {
          if (part === "") continue;
          const eq = part.indexOf("=");
          const rawKey = eq === -1 ? part : part.slice(0, eq);
          const rawValue = eq === -1 ? "" : part.slice(eq + 1);
          result[decode(rawKey)] = decode(rawValue);
        }
        return result;
      }
    `,
    buggy: [
      code`
        function parseQueryString(query) {
          const result = {};
          const text = query.startsWith("?") ? query.slice(1) : query;
          if (text === "") return result;
          const decode = (s) => decodeURIComponent(s.split("+").join(" "));
          for (const part of text.split("&")) {
            if (part === "") continue;
            const [rawKey, rawValue = ""] = part.split("=");
            result[decode(rawKey)] = decode(rawValue);
          }
          return result;
        }
      `,
      code`
        function parseQueryString(query) {
          const result = {};
          const text = query.startsWith("?") ? query.slice(1) : query;
          if (text === "") return result;
          for (const part of text.split("&")) {
            if (part === "") continue;
            const eq = part.indexOf("=");
            const rawKey = eq === -1 ? part : part.slice(0, eq);
            const rawValue = eq === -1 ? "" : part.slice(eq + 1);
            result[decodeURIComponent(rawKey)] = decodeURIComponent(rawValue);
          }
          return result;
        }
      `,
      code`
        function parseQueryString(query) {
          const result = {};
          if (query === "") return result;
          const decode = (s) => decodeURIComponent(s.split("+").join(" "));
          for (const part of query.split("&")) {
            if (part === "") continue;
            const eq = part.indexOf("=");
            const rawKey = eq === -1 ? part : part.slice(0, eq);
            const rawValue = eq === -1 ? "" : part.slice(eq + 1);
            result[decode(rawKey)] = decode(rawValue);
          }
          return result;
        }
      `,
    ],
    hiddenTests: [
      'assert.deepStrictEqual(parseQueryString("a=1&b=2"), { a: "1", b: "2" });',
      'assert.deepStrictEqual(parseQueryString("?q=hello+world"), { q: "hello world" });',
      'assert.deepStrictEqual(parseQueryString(""), {});',
      'assert.deepStrictEqual(parseQueryString("x=a%3Db&flag"), { x: "a=b", flag: "" });',
      'assert.deepStrictEqual(parseQueryString("k=1=2"), { k: "1=2" });',
    ],
    modelTests: [
      'assert.deepStrictEqual(parseQueryString("name=Ann%20Lee"), { name: "Ann Lee" });',
      'assert.deepStrictEqual(parseQueryString("?a=1"), { a: "1" });',
      'assert.deepStrictEqual(parseQueryString("a=1&a=2"), { a: "2" });',
      'assert.deepStrictEqual(parseQueryString("t=a+b"), { t: "a b" });',
    ],
    wrongTests: ['assert.deepStrictEqual(parseQueryString("t=a+b"), { t: "a+b" });'],
    locals: ["result", "text", "part", "eq", "rawKey", "rawValue", "decode", "query"],
  }),
  javascript({
    id: "js-clamp-number",
    title: "Clamp a number into a range",
    functionName: "clampNumber",
    prompt:
      "Write a JavaScript function `clampNumber(value, min, max)` that returns value limited to the range [min, max] and throws a RangeError when min is greater than max.",
    reference: code`
      function clampNumber(value, min, max) {
        if (min > max) throw new RangeError("min must not exceed max");
        return Math.min(Math.max(value, min), max);
      }
    `,
    buggy: [
      code`
        function clampNumber(value, min, max) {
          if (min > max) throw new RangeError("min must not exceed max");
          return Math.max(Math.min(value, min), max);
        }
      `,
      code`
        function clampNumber(value, min, max) {
          return Math.min(Math.max(value, min), max);
        }
      `,
    ],
    hiddenTests: [
      "assert.strictEqual(clampNumber(5, 0, 10), 5);",
      "assert.strictEqual(clampNumber(-3, 0, 10), 0);",
      "assert.strictEqual(clampNumber(15, 0, 10), 10);",
      "assert.strictEqual(clampNumber(0, 0, 0), 0);",
      "assert.throws(() => clampNumber(1, 5, 0), RangeError);",
    ],
    modelTests: [
      "assert.strictEqual(clampNumber(7, 1, 5), 5);",
      "assert.strictEqual(clampNumber(3, 1, 5), 3);",
      "assert.strictEqual(clampNumber(-1, -5, -2), -2);",
    ],
    wrongTests: ["assert.strictEqual(clampNumber(7, 1, 5), 7);"],
    locals: ["value"],
  }),
  javascript({
    id: "js-rotate-array",
    title: "Rotate an array to the right",
    functionName: "rotateArray",
    prompt:
      "Write a JavaScript function `rotateArray(items, k)` that returns a new array with the items rotated k places to the right (k may be negative or larger than the length) without modifying the input.",
    reference: code`
      function rotateArray(items, k) {
        const n = items.length;
        if (n === 0) return [];
        const shift = ((k % n) + n) % n;
        return items.slice(n - shift).concat(items.slice(0, n - shift));
      }
    `,
    buggy: [
      code`
        function rotateArray(items, k) {
          const n = items.length;
          if (n === 0) return [];
          const shift = k % n;
          return items.slice(n - shift).concat(items.slice(0, n - shift));
        }
      `,
      code`
        function rotateArray(items, k) {
          const n = items.length;
          if (n === 0) return [];
          const shift = k;
          return items.slice(n - shift).concat(items.slice(0, n - shift));
        }
      `,
      code`
        function rotateArray(items, k) {
          const n = items.length;
          if (n === 0) return [];
          const shift = ((k % n) + n) % n;
          for (let i = 0; i < shift; i++) items.unshift(items.pop());
          return items;
        }
      `,
    ],
    hiddenTests: [
      "assert.deepStrictEqual(rotateArray([1, 2, 3, 4, 5], 2), [4, 5, 1, 2, 3]);",
      "assert.deepStrictEqual(rotateArray([1, 2, 3], -1), [2, 3, 1]);",
      "assert.deepStrictEqual(rotateArray([], 3), []);",
      "assert.deepStrictEqual(rotateArray([1, 2, 3], 7), [3, 1, 2]);",
      "{ const original = [1, 2, 3]; rotateArray(original, 1); assert.deepStrictEqual(original, [1, 2, 3]); }",
    ],
    modelTests: [
      "assert.deepStrictEqual(rotateArray([1, 2, 3], 1), [3, 1, 2]);",
      "assert.deepStrictEqual(rotateArray([1, 2], 2), [1, 2]);",
      "assert.deepStrictEqual(rotateArray([1, 2, 3, 4], -2), [3, 4, 1, 2]);",
      'assert.deepStrictEqual(rotateArray(["a", "b", "c"], 4), ["c", "a", "b"]);',
    ],
    wrongTests: ["assert.deepStrictEqual(rotateArray([1, 2, 3], 1), [2, 3, 1]);"],
    locals: ["n", "shift", "i", "items", "k"],
  }),
  javascript({
    id: "js-is-prime",
    title: "Primality test",
    functionName: "isPrime",
    prompt:
      "Write a JavaScript function `isPrime(n)` that returns true when n is a prime number and false otherwise (including for numbers below 2 and non-integers).",
    reference: code`
      function isPrime(n) {
        if (!Number.isInteger(n) || n < 2) return false;
        for (let d = 2; d * d <= n; d++) {
          if (n % d === 0) return false;
        }
        return true;
      }
    `,
    buggy: [
      code`
        function isPrime(n) {
          if (!Number.isInteger(n) || n < 2) return false;
          for (let d = 2; d * d < n; d++) {
            if (n % d === 0) return false;
          }
          return true;
        }
      `,
      code`
        function isPrime(n) {
          if (!Number.isInteger(n) || n < 1) return false;
          for (let d = 2; d * d <= n; d++) {
            if (n % d === 0) return false;
          }
          return true;
        }
      `,
    ],
    hiddenTests: [
      "assert.strictEqual(isPrime(2), true);",
      "assert.strictEqual(isPrime(1), false);",
      "assert.strictEqual(isPrime(9), false);",
      "assert.strictEqual(isPrime(97), true);",
      "assert.strictEqual(isPrime(0), false);",
      "assert.strictEqual(isPrime(25), false);",
    ],
    modelTests: [
      "assert.strictEqual(isPrime(49), false);",
      "assert.strictEqual(isPrime(1), false);",
      "assert.ok(isPrime(13));",
      "assert.strictEqual(isPrime(4), false);",
    ],
    wrongTests: ["assert.strictEqual(isPrime(1), true);"],
    locals: ["d", "n"],
  }),
  javascript({
    id: "js-format-duration",
    title: "Format a duration in seconds",
    functionName: "formatDuration",
    prompt:
      'Write a JavaScript function `formatDuration(seconds)` that formats a whole number of seconds as "m:ss" below one hour and as "h:mm:ss" from one hour up, e.g. 65 → "1:05" and 3661 → "1:01:01".',
    reference: code`
      function formatDuration(seconds) {
        const hours = Math.floor(seconds / 3600);
        const minutes = Math.floor((seconds % 3600) / 60);
        const secs = seconds % 60;
        const pad = (value) => String(value).padStart(2, "0");
        if (hours > 0) return hours + ":" + pad(minutes) + ":" + pad(secs);
        return minutes + ":" + pad(secs);
      }
    `,
    buggy: [
      code`
        function formatDuration(seconds) {
          const hours = Math.floor(seconds / 3600);
          const minutes = Math.floor(seconds / 60);
          const secs = seconds % 60;
          const pad = (value) => String(value).padStart(2, "0");
          if (hours > 0) return hours + ":" + pad(minutes) + ":" + pad(secs);
          return minutes + ":" + pad(secs);
        }
      `,
      code`
        function formatDuration(seconds) {
          const hours = Math.floor(seconds / 3600);
          const minutes = Math.floor((seconds % 3600) / 60);
          const secs = seconds % 60;
          const pad = (value) => String(value).padStart(2, "0");
          if (hours > 0) return hours + ":" + pad(minutes) + ":" + secs;
          return minutes + ":" + secs;
        }
      `,
    ],
    hiddenTests: [
      'assert.strictEqual(formatDuration(0), "0:00");',
      'assert.strictEqual(formatDuration(65), "1:05");',
      'assert.strictEqual(formatDuration(3600), "1:00:00");',
      'assert.strictEqual(formatDuration(3661), "1:01:01");',
      'assert.strictEqual(formatDuration(59), "0:59");',
      'assert.strictEqual(formatDuration(36000), "10:00:00");',
    ],
    modelTests: [
      'assert.strictEqual(formatDuration(125), "2:05");',
      'assert.strictEqual(formatDuration(7322), "2:02:02");',
      'assert.strictEqual(formatDuration(600), "10:00");',
    ],
    wrongTests: ['assert.strictEqual(formatDuration(600), "10:0");'],
    locals: ["hours", "minutes", "secs", "pad", "value", "seconds"],
  }),
  javascript({
    id: "js-days-between",
    title: "Days between two dates",
    functionName: "daysBetween",
    prompt:
      'Write a JavaScript function `daysBetween(from, to)` that takes two calendar dates as "YYYY-MM-DD" strings (no time zones involved) and returns the absolute number of days between them.',
    reference: code`
      function daysBetween(from, to) {
        const toUtc = (text) => {
          const [year, month, day] = text.split("-").map(Number);
          return Date.UTC(year, month - 1, day);
        };
        return Math.abs(toUtc(to) - toUtc(from)) / 86400000;
      }
    `,
    buggy: [
      code`
        function daysBetween(from, to) {
          const toUtc = (text) => {
            const [year, month, day] = text.split("-").map(Number);
            return Date.UTC(year, month, day);
          };
          return Math.abs(toUtc(to) - toUtc(from)) / 86400000;
        }
      `,
      code`
        function daysBetween(from, to) {
          const toUtc = (text) => {
            const [year, month, day] = text.split("-").map(Number);
            return Date.UTC(year, month - 1, day);
          };
          return (toUtc(to) - toUtc(from)) / 86400000;
        }
      `,
      code`
        function daysBetween(from, to) {
          const toUtc = (text) => {
            const [year, month, day] = text.split("-").map(Number);
            return Date.UTC(year, month - 1, day);
          };
          return Math.floor(Math.abs(toUtc(to) - toUtc(from)) / 86400000) + 1;
        }
      `,
    ],
    hiddenTests: [
      'assert.strictEqual(daysBetween("2024-01-01", "2024-01-31"), 30);',
      'assert.strictEqual(daysBetween("2024-02-01", "2024-03-01"), 29);',
      'assert.strictEqual(daysBetween("2023-02-01", "2023-03-01"), 28);',
      'assert.strictEqual(daysBetween("2024-03-10", "2024-03-01"), 9);',
      'assert.strictEqual(daysBetween("2024-05-05", "2024-05-05"), 0);',
    ],
    modelTests: [
      'assert.strictEqual(daysBetween("2023-12-31", "2024-01-01"), 1);',
      'assert.strictEqual(daysBetween("2024-01-01", "2025-01-01"), 366);',
      'assert.strictEqual(daysBetween("2024-06-15", "2024-06-01"), 14);',
      'assert.strictEqual(daysBetween("2024-02-28", "2024-03-01"), 2);',
    ],
    wrongTests: ['assert.strictEqual(daysBetween("2024-01-01", "2025-01-01"), 365);'],
    locals: ["toUtc", "year", "month", "day", "text"],
  }),
  javascript({
    id: "js-camel-to-kebab",
    title: "camelCase to kebab-case",
    functionName: "camelToKebab",
    prompt:
      'Write a JavaScript function `camelToKebab(name)` that converts a camelCase or PascalCase identifier to kebab-case: every upper-case letter becomes "-" plus its lower-case form, except at the very start where it is only lower-cased, so "MyComponent" becomes "my-component".',
    reference: code`
      function camelToKebab(name) {
        let out = "";
        for (let i = 0; i < name.length; i++) {
          const ch = name[i];
          const lower = ch.toLowerCase();
          if (ch !== lower && i > 0) out += "-" + lower;
          else out += lower;
        }
        return out;
      }
    `,
    buggy: [
      code`
        function camelToKebab(name) {
          let out = "";
          for (let i = 0; i < name.length; i++) {
            const ch = name[i];
            const lower = ch.toLowerCase();
            if (ch !== lower) out += "-" + lower;
            else out += lower;
          }
          return out;
        }
      `,
      code`
        function camelToKebab(name) {
          let out = "";
          for (let i = 0; i < name.length; i++) {
            const ch = name[i];
            const lower = ch.toLowerCase();
            if (ch !== lower && i > 0) out += "-" + lower;
            else out += ch;
          }
          return out;
        }
      `,
    ],
    hiddenTests: [
      'assert.strictEqual(camelToKebab("backgroundColor"), "background-color");',
      'assert.strictEqual(camelToKebab("MyComponent"), "my-component");',
      'assert.strictEqual(camelToKebab(""), "");',
      'assert.strictEqual(camelToKebab("already"), "already");',
      'assert.strictEqual(camelToKebab("aBC"), "a-b-c");',
    ],
    modelTests: [
      'assert.strictEqual(camelToKebab("fontSize"), "font-size");',
      'assert.strictEqual(camelToKebab("Header"), "header");',
      'assert.strictEqual(camelToKebab("x"), "x");',
      'assert.strictEqual(camelToKebab("userIdValue"), "user-id-value");',
    ],
    wrongTests: ['assert.strictEqual(camelToKebab("Header"), "-header");'],
    locals: ["out", "i", "ch", "lower", "name"],
  }),
  javascript({
    id: "js-max-subarray-sum",
    title: "Maximum subarray sum",
    functionName: "maxSubarraySum",
    prompt:
      "Write a JavaScript function `maxSubarraySum(nums)` that returns the largest sum of a non-empty contiguous run of the numbers (which may all be negative), or 0 for an empty array.",
    reference: code`
      function maxSubarraySum(nums) {
        if (nums.length === 0) return 0;
        let best = nums[0];
        let current = nums[0];
        for (let i = 1; i < nums.length; i++) {
          current = Math.max(nums[i], current + nums[i]);
          best = Math.max(best, current);
        }
        return best;
      }
    `,
    buggy: [
      code`
        function maxSubarraySum(nums) {
          let best = 0;
          let current = 0;
          for (let i = 0; i < nums.length; i++) {
            current = Math.max(nums[i], current + nums[i]);
            best = Math.max(best, current);
          }
          return best;
        }
      `,
      code`
        function maxSubarraySum(nums) {
          if (nums.length === 0) return 0;
          let best = nums[0];
          let current = nums[0];
          for (let i = 0; i < nums.length; i++) {
            current = Math.max(nums[i], current + nums[i]);
            best = Math.max(best, current);
          }
          return best;
        }
      `,
    ],
    hiddenTests: [
      "assert.strictEqual(maxSubarraySum([-2, 1, -3, 4, -1, 2, 1, -5, 4]), 6);",
      "assert.strictEqual(maxSubarraySum([-3, -1, -2]), -1);",
      "assert.strictEqual(maxSubarraySum([]), 0);",
      "assert.strictEqual(maxSubarraySum([5]), 5);",
      "assert.strictEqual(maxSubarraySum([2, -1, 2]), 3);",
    ],
    modelTests: [
      "assert.strictEqual(maxSubarraySum([1, 2, 3]), 6);",
      "assert.strictEqual(maxSubarraySum([-5]), -5);",
      "assert.strictEqual(maxSubarraySum([3, -10, 4]), 4);",
    ],
    wrongTests: ["assert.strictEqual(maxSubarraySum([-5]), 0);"],
    locals: ["best", "current", "i", "nums"],
  }),
  javascript({
    id: "js-truncate-text",
    title: "Truncate text with an ellipsis",
    functionName: "truncateText",
    prompt:
      'Write a JavaScript function `truncateText(text, maxLength)` that returns text unchanged when it has at most maxLength characters, and otherwise its first maxLength - 3 characters followed by "..." (maxLength is at least 3).',
    reference: code`
      function truncateText(text, maxLength) {
        if (text.length <= maxLength) return text;
        return text.slice(0, maxLength - 3) + "...";
      }
    `,
    buggy: [
      code`
        function truncateText(text, maxLength) {
          if (text.length < maxLength) return text;
          return text.slice(0, maxLength - 3) + "...";
        }
      `,
      code`
        function truncateText(text, maxLength) {
          if (text.length <= maxLength) return text;
          return text.slice(0, maxLength) + "...";
        }
      `,
    ],
    hiddenTests: [
      'assert.strictEqual(truncateText("hello", 10), "hello");',
      'assert.strictEqual(truncateText("hello world", 8), "hello...");',
      'assert.strictEqual(truncateText("abcdef", 6), "abcdef");',
      'assert.strictEqual(truncateText("abcdefg", 6), "abc...");',
      'assert.strictEqual(truncateText("", 3), "");',
    ],
    modelTests: [
      'assert.strictEqual(truncateText("abc", 3), "abc");',
      'assert.strictEqual(truncateText("abcdefghij", 5), "ab...");',
      'assert.strictEqual(truncateText("short", 100), "short");',
    ],
    wrongTests: ['assert.strictEqual(truncateText("abcdefghij", 5), "abcde...");'],
    locals: ["text", "maxLength"],
  }),
  javascript({
    id: "js-to-roman",
    title: "Integer to Roman numerals",
    functionName: "toRoman",
    prompt:
      'Write a JavaScript function `toRoman(num)` that converts an integer from 1 to 3999 to Roman numerals, using the subtractive forms IV, IX, XL, XC, CD and CM (1994 → "MCMXCIV").',
    reference: code`
      function toRoman(num) {
        const table = [
          [1000, "M"], [900, "CM"], [500, "D"], [400, "CD"], [100, "C"], [90, "XC"],
          [50, "L"], [40, "XL"], [10, "X"], [9, "IX"], [5, "V"], [4, "IV"], [1, "I"],
        ];
        let rest = num;
        let out = "";
        for (const [value, symbol] of table) {
          while (rest >= value) {
            out += symbol;
            rest -= value;
          }
        }
        return out;
      }
    `,
    buggy: [
      code`
        function toRoman(num) {
          const table = [[1000, "M"], [500, "D"], [100, "C"], [50, "L"], [10, "X"], [5, "V"], [1, "I"]];
          let rest = num;
          let out = "";
          for (const [value, symbol] of table) {
            while (rest >= value) {
              out += symbol;
              rest -= value;
            }
          }
          return out;
        }
      `,
      code`
        function toRoman(num) {
          const table = [
            [1000, "M"], [900, "CM"], [500, "D"], [400, "CD"], [100, "C"], [90, "XC"],
            [50, "L"], [40, "XL"], [10, "X"], [9, "IX"], [5, "V"], [4, "IV"], [1, "I"],
          ];
          let rest = num;
          let out = "";
          for (const [value, symbol] of table) {
            if (rest >= value) {
              out += symbol;
              rest -= value;
            }
          }
          return out;
        }
      `,
    ],
    hiddenTests: [
      'assert.strictEqual(toRoman(3), "III");',
      'assert.strictEqual(toRoman(4), "IV");',
      'assert.strictEqual(toRoman(9), "IX");',
      'assert.strictEqual(toRoman(58), "LVIII");',
      'assert.strictEqual(toRoman(1994), "MCMXCIV");',
      'assert.strictEqual(toRoman(3999), "MMMCMXCIX");',
    ],
    modelTests: [
      'assert.strictEqual(toRoman(14), "XIV");',
      'assert.strictEqual(toRoman(2024), "MMXXIV");',
      'assert.strictEqual(toRoman(40), "XL");',
      'assert.strictEqual(toRoman(1), "I");',
    ],
    wrongTests: ['assert.strictEqual(toRoman(40), "XXXX");'],
    locals: ["table", "rest", "out", "value", "symbol", "num"],
  }),
  javascript({
    id: "js-parse-csv-line",
    title: "Parse one CSV line",
    functionName: "parseCsvLine",
    prompt:
      'Write a JavaScript function `parseCsvLine(line)` that splits one CSV line into its fields: fields are separated by commas, a field in double quotes may contain commas, and inside quotes "" stands for one double quote.',
    reference: code`
      function parseCsvLine(line) {
        const fields = [];
        let field = "";
        let quoted = false;
        for (let i = 0; i < line.length; i++) {
          const ch = line[i];
          if (quoted) {
            if (ch === '"' && line[i + 1] === '"') {
              field += '"';
              i++;
            } else if (ch === '"') {
              quoted = false;
            } else {
              field += ch;
            }
          } else if (ch === '"') {
            quoted = true;
          } else if (ch === ",") {
            fields.push(field);
            field = "";
          } else {
            field += ch;
          }
        }
        fields.push(field);
        return fields;
      }
    `,
    buggy: [
      code`
        function parseCsvLine(line) {
          return line.split(",");
        }
      `,
      code`
        function parseCsvLine(line) {
          const fields = [];
          let field = "";
          let quoted = false;
          for (let i = 0; i < line.length; i++) {
            const ch = line[i];
            if (ch === '"') {
              quoted = !quoted;
            } else if (ch === "," && !quoted) {
              fields.push(field);
              field = "";
            } else {
              field += ch;
            }
          }
          fields.push(field);
          return fields;
        }
      `,
    ],
    hiddenTests: [
      'assert.deepStrictEqual(parseCsvLine("a,b,c"), ["a", "b", "c"]);',
      'assert.deepStrictEqual(parseCsvLine(\'"x,y",z\'), ["x,y", "z"]);',
      'assert.deepStrictEqual(parseCsvLine(""), [""]);',
      'assert.deepStrictEqual(parseCsvLine(\'"say ""hi""",ok\'), [\'say "hi"\', "ok"]);',
      'assert.deepStrictEqual(parseCsvLine("a,,b"), ["a", "", "b"]);',
    ],
    modelTests: [
      'assert.deepStrictEqual(parseCsvLine("1,2"), ["1", "2"]);',
      'assert.deepStrictEqual(parseCsvLine(\'"a,b"\'), ["a,b"]);',
      'assert.deepStrictEqual(parseCsvLine(\'x,"y"\'), ["x", "y"]);',
      'assert.deepStrictEqual(parseCsvLine(\'"q""q"\'), [\'q"q\']);',
    ],
    wrongTests: ["assert.deepStrictEqual(parseCsvLine('\"a,b\"'), ['\"a', 'b\"']);"],
    locals: ["fields", "field", "quoted", "i", "ch", "line"],
  }),
  javascript({
    id: "js-flatten-deep",
    title: "Deep-flatten nested arrays",
    functionName: "flattenDeep",
    prompt:
      "Write a JavaScript function `flattenDeep(items)` that returns a new array with all nested arrays, at any depth, replaced by their elements; values that are not arrays (including null and objects) are kept as they are.",
    reference: code`
      function flattenDeep(items) {
        const out = [];
        for (const item of items) {
          if (Array.isArray(item)) out.push(...flattenDeep(item));
          else out.push(item);
        }
        return out;
      }
    `,
    buggy: [
      code`
        function flattenDeep(items) {
          return items.flat();
        }
      `,
      code`
        function flattenDeep(items) {
          const out = [];
          for (const item of items) {
            if (typeof item === "object") out.push(...flattenDeep(item));
            else out.push(item);
          }
          return out;
        }
      `,
    ],
    hiddenTests: [
      "assert.deepStrictEqual(flattenDeep([1, [2, [3, [4]], 5]]), [1, 2, 3, 4, 5]);",
      "assert.deepStrictEqual(flattenDeep([]), []);",
      "assert.deepStrictEqual(flattenDeep([[[]]]), []);",
      "assert.deepStrictEqual(flattenDeep([null, [undefined]]), [null, undefined]);",
    ],
    modelTests: [
      "assert.deepStrictEqual(flattenDeep([[1], [2, [3]]]), [1, 2, 3]);",
      'assert.deepStrictEqual(flattenDeep(["a", ["b"]]), ["a", "b"]);',
      "assert.deepStrictEqual(flattenDeep([0, [null]]), [0, null]);",
    ],
    wrongTests: ["assert.deepStrictEqual(flattenDeep([[1], [2, [3]]]), [1, 2, [3]]);"],
    locals: ["out", "item", "items"],
  }),
  javascript({
    id: "js-word-count",
    title: "Count the words in a text",
    functionName: "wordCount",
    prompt:
      "Write a JavaScript function `wordCount(text)` that returns the number of words in text, where words are separated by any run of whitespace (spaces, tabs, newlines) and leading or trailing whitespace does not count.",
    reference: code`
      function wordCount(text) {
        return text.split(/\s+/).filter((word) => word.length > 0).length;
      }
    `,
    buggy: [
      code`
        function wordCount(text) {
          return text.split(" ").length;
        }
      `,
      code`
        function wordCount(text) {
          return text.trim().split(/\s+/).length;
        }
      `,
    ],
    hiddenTests: [
      'assert.strictEqual(wordCount("hello world"), 2);',
      'assert.strictEqual(wordCount(""), 0);',
      'assert.strictEqual(wordCount("  many   spaces here "), 3);',
      'assert.strictEqual(wordCount("one"), 1);',
      'assert.strictEqual(wordCount("tab\\tseparated\\nlines"), 3);',
    ],
    modelTests: [
      'assert.strictEqual(wordCount("a b c"), 3);',
      'assert.strictEqual(wordCount("   "), 0);',
      'assert.strictEqual(wordCount("x\\ny"), 2);',
    ],
    wrongTests: ['assert.strictEqual(wordCount("   "), 1);'],
    locals: ["word", "text"],
  }),
  javascript({
    id: "js-range-array",
    title: "Python-style range array",
    functionName: "rangeArray",
    prompt:
      "Write a JavaScript function `rangeArray(start, end, step = 1)` that returns the numbers from start up to but not including end, counting by step like Python's range (a negative step counts down), and throws an Error when step is 0.",
    reference: code`
      function rangeArray(start, end, step = 1) {
        if (step === 0) throw new Error("step must not be zero");
        const out = [];
        if (step > 0) {
          for (let x = start; x < end; x += step) out.push(x);
        } else {
          for (let x = start; x > end; x += step) out.push(x);
        }
        return out;
      }
    `,
    buggy: [
      code`
        function rangeArray(start, end, step = 1) {
          if (step === 0) throw new Error("step must not be zero");
          const out = [];
          if (step > 0) {
            for (let x = start; x <= end; x += step) out.push(x);
          } else {
            for (let x = start; x >= end; x += step) out.push(x);
          }
          return out;
        }
      `,
      code`
        function rangeArray(start, end, step = 1) {
          if (step === 0) throw new Error("step must not be zero");
          const out = [];
          for (let x = start; x < end; x += step) out.push(x);
          return out;
        }
      `,
    ],
    hiddenTests: [
      "assert.deepStrictEqual(rangeArray(0, 5), [0, 1, 2, 3, 4]);",
      "assert.deepStrictEqual(rangeArray(1, 10, 3), [1, 4, 7]);",
      "assert.deepStrictEqual(rangeArray(5, 0, -2), [5, 3, 1]);",
      "assert.deepStrictEqual(rangeArray(3, 3), []);",
      "assert.throws(() => rangeArray(0, 5, 0));",
    ],
    modelTests: [
      "assert.deepStrictEqual(rangeArray(0, 3), [0, 1, 2]);",
      "assert.deepStrictEqual(rangeArray(10, 7, -1), [10, 9, 8]);",
      "assert.deepStrictEqual(rangeArray(0, 10, 5), [0, 5]);",
    ],
    wrongTests: ["assert.deepStrictEqual(rangeArray(0, 3), [0, 1, 2, 3]);"],
    locals: ["out", "x", "start", "end", "step"],
  }),
  javascript({
    id: "js-most-frequent",
    title: "Most frequent element",
    functionName: "mostFrequent",
    prompt:
      "Write a JavaScript function `mostFrequent(items)` that returns the value occurring most often in the array; when several values are equally frequent, return the one that appears first in the array, and undefined for an empty array.",
    reference: code`
      function mostFrequent(items) {
        const counts = new Map();
        for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
        let best;
        let bestCount = 0;
        for (const item of items) {
          const count = counts.get(item);
          if (count > bestCount) {
            best = item;
            bestCount = count;
          }
        }
        return best;
      }
    `,
    buggy: [
      code`
        function mostFrequent(items) {
          const counts = new Map();
          let best;
          let bestCount = 0;
          for (const item of items) {
            const count = (counts.get(item) ?? 0) + 1;
            counts.set(item, count);
            if (count > bestCount) {
              best = item;
              bestCount = count;
            }
          }
          return best;
        }
      `,
      code`
        function mostFrequent(items) {
          const counts = new Map();
          for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
          let best;
          let bestCount = 0;
          for (const item of items) {
            const count = counts.get(item);
            if (count >= bestCount) {
              best = item;
              bestCount = count;
            }
          }
          return best;
        }
      `,
    ],
    hiddenTests: [
      "assert.strictEqual(mostFrequent([1, 2, 2, 3]), 2);",
      "assert.strictEqual(mostFrequent([1, 2, 2, 1]), 1);",
      "assert.strictEqual(mostFrequent([]), undefined);",
      'assert.strictEqual(mostFrequent(["a"]), "a");',
      "assert.strictEqual(mostFrequent([3, 1, 3, 1, 1]), 1);",
      "assert.strictEqual(mostFrequent([1, 2, 1, 2]), 1);",
    ],
    modelTests: [
      "assert.strictEqual(mostFrequent([5, 5, 4]), 5);",
      'assert.strictEqual(mostFrequent(["x", "y"]), "x");',
      "assert.strictEqual(mostFrequent([7, 8, 8, 7, 9]), 7);",
    ],
    wrongTests: ["assert.strictEqual(mostFrequent([7, 8, 8, 7, 9]), 8);"],
    locals: ["counts", "best", "bestCount", "item", "count", "items"],
  }),
  javascript({
    id: "js-is-valid-ipv4",
    title: "Validate an IPv4 address",
    functionName: "isValidIPv4",
    prompt:
      "Write a JavaScript function `isValidIPv4(address)` that returns true when the string is a dotted IPv4 address: exactly four parts of decimal digits only, each from 0 to 255, without leading zeros (a single 0 is fine).",
    reference: code`
      function isValidIPv4(address) {
        const parts = address.split(".");
        if (parts.length !== 4) return false;
        return parts.every((part) => /^(0|[1-9][0-9]{0,2})$/.test(part) && Number(part) <= 255);
      }
    `,
    buggy: [
      code`
        function isValidIPv4(address) {
          const parts = address.split(".");
          if (parts.length !== 4) return false;
          return parts.every((part) => Number(part) >= 0 && Number(part) <= 255);
        }
      `,
      code`
        function isValidIPv4(address) {
          const parts = address.split(".");
          if (parts.length !== 4) return false;
          return parts.every((part) => /^[0-9]{1,3}$/.test(part) && Number(part) <= 255);
        }
      `,
    ],
    hiddenTests: [
      'assert.strictEqual(isValidIPv4("192.168.0.1"), true);',
      'assert.strictEqual(isValidIPv4("256.1.1.1"), false);',
      'assert.strictEqual(isValidIPv4("1.2.3"), false);',
      'assert.strictEqual(isValidIPv4("01.2.3.4"), false);',
      'assert.strictEqual(isValidIPv4("1..2.3"), false);',
      'assert.strictEqual(isValidIPv4("0.0.0.0"), true);',
      'assert.strictEqual(isValidIPv4("a.b.c.d"), false);',
    ],
    modelTests: [
      'assert.strictEqual(isValidIPv4("10.0.0.255"), true);',
      'assert.strictEqual(isValidIPv4("10.0.0.256"), false);',
      'assert.strictEqual(isValidIPv4("1.2.3.04"), false);',
      'assert.strictEqual(isValidIPv4("1.2.3. 4"), false);',
    ],
    wrongTests: ['assert.strictEqual(isValidIPv4("1.2.3.04"), true);'],
    locals: ["parts", "part", "address"],
  }),
  javascript({
    id: "js-merge-sorted",
    title: "Merge two sorted arrays",
    functionName: "mergeSorted",
    prompt:
      "Write a JavaScript function `mergeSorted(left, right)` that merges two arrays of numbers, each sorted in ascending order, into one sorted array that keeps duplicates.",
    reference: code`
      function mergeSorted(left, right) {
        const out = [];
        let i = 0;
        let j = 0;
        while (i < left.length && j < right.length) {
          if (left[i] <= right[j]) out.push(left[i++]);
          else out.push(right[j++]);
        }
        while (i < left.length) out.push(left[i++]);
        while (j < right.length) out.push(right[j++]);
        return out;
      }
    `,
    buggy: [
      code`
        function mergeSorted(left, right) {
          const out = [];
          let i = 0;
          let j = 0;
          while (i < left.length && j < right.length) {
            if (left[i] <= right[j]) out.push(left[i++]);
            else out.push(right[j++]);
          }
          while (i < left.length) out.push(left[i++]);
          return out;
        }
      `,
      code`
        function mergeSorted(left, right) {
          return left.concat(right).sort();
        }
      `,
    ],
    hiddenTests: [
      "assert.deepStrictEqual(mergeSorted([1, 3, 5], [2, 4, 6]), [1, 2, 3, 4, 5, 6]);",
      "assert.deepStrictEqual(mergeSorted([], [1, 2]), [1, 2]);",
      "assert.deepStrictEqual(mergeSorted([1, 2], []), [1, 2]);",
      "assert.deepStrictEqual(mergeSorted([1, 1], [1]), [1, 1, 1]);",
      "assert.deepStrictEqual(mergeSorted([2, 10], [3]), [2, 3, 10]);",
    ],
    modelTests: [
      "assert.deepStrictEqual(mergeSorted([1, 5], [2, 3]), [1, 2, 3, 5]);",
      "assert.deepStrictEqual(mergeSorted([9], [1, 20]), [1, 9, 20]);",
      "assert.deepStrictEqual(mergeSorted([0], [0]), [0, 0]);",
    ],
    wrongTests: ["assert.deepStrictEqual(mergeSorted([9], [1, 20]), [1, 9]);"],
    locals: ["out", "i", "j", "left", "right"],
  }),
  javascript({
    id: "js-escape-html",
    title: "Escape HTML special characters",
    functionName: "escapeHtml",
    prompt:
      "Write a JavaScript function `escapeHtml(text)` that replaces every &, <, >, \" and ' in text with &amp;, &lt;, &gt;, &quot; and &#39; respectively.",
    reference: code`
      function escapeHtml(text) {
        return text
          .replaceAll("&", "&amp;")
          .replaceAll("<", "&lt;")
          .replaceAll(">", "&gt;")
          .replaceAll('"', "&quot;")
          .replaceAll("'", "&#39;");
      }
    `,
    buggy: [
      code`
        function escapeHtml(text) {
          return text
            .replaceAll("<", "&lt;")
            .replaceAll(">", "&gt;")
            .replaceAll('"', "&quot;")
            .replaceAll("'", "&#39;")
            .replaceAll("&", "&amp;");
        }
      `,
      code`
        function escapeHtml(text) {
          return text
            .replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace('"', "&quot;")
            .replace("'", "&#39;");
        }
      `,
    ],
    hiddenTests: [
      'assert.strictEqual(escapeHtml("<b>"), "&lt;b&gt;");',
      'assert.strictEqual(escapeHtml("a & b"), "a &amp; b");',
      'assert.strictEqual(escapeHtml(\'"hi"\'), "&quot;hi&quot;");',
      'assert.strictEqual(escapeHtml("it\'s"), "it&#39;s");',
      'assert.strictEqual(escapeHtml("<<"), "&lt;&lt;");',
      'assert.strictEqual(escapeHtml("plain"), "plain");',
    ],
    modelTests: [
      'assert.strictEqual(escapeHtml("x < y"), "x &lt; y");',
      'assert.strictEqual(escapeHtml("&&"), "&amp;&amp;");',
      'assert.strictEqual(escapeHtml("5 > 3 & 2 < 4"), "5 &gt; 3 &amp; 2 &lt; 4");',
    ],
    wrongTests: ['assert.strictEqual(escapeHtml("x < y"), "x &amp;lt; y");'],
    locals: ["text"],
  }),
];
