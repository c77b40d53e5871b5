/**
 * Cuts a block of tests into separately scored test cases. A request's `tests`, or a
 * model's test block, usually holds many asserts; scored as one, a single wrong assert
 * would hide every right one, and CodeT-style agreement needs one column per test.
 *
 * Each case is self-contained: the block's imports and helper definitions (its prelude),
 * then the non-test statements that came before it (setup such as `r = f(3)`), then the
 * assert or test function itself. A case runs in a fresh scope, so cases never see each
 * other's variables.
 */
import { canonicalCode } from "./normalize.js";
import { guardBody, type Statement, statementsOf } from "./statements.js";
import { type CodeLanguage, familyOf } from "./types.js";

export interface TestCase {
  /** Everything the case runs: prelude + setup + body. */
  code: string;
  /** The assert or test function itself (what a report shows). */
  body: string;
}

function flatten(statements: readonly Statement[], language: CodeLanguage): Statement[] {
  return statements.flatMap((s) =>
    s.kind === "main-guard" ? flatten(statementsOf(guardBody(s, language), language), language) : [s],
  );
}

function isTest(s: Statement): boolean {
  return s.kind === "assert" || s.kind === "test" || (s.kind === "other" && s.containsAssert);
}

/** Test cases in a block of test code; none when it holds no assert or test function. */
export function splitTests(text: string, language: CodeLanguage): TestCase[] {
  const python = familyOf(language) === "python";
  const statements = flatten(statementsOf(text, language), language);
  const prelude = statements
    .filter((s) => s.kind === "import" || s.kind === "function" || s.kind === "class")
    .map((s) => s.text);
  const setup: string[] = [];
  const cases: TestCase[] = [];
  for (const s of statements) {
    if (s.kind === "import" || s.kind === "function" || s.kind === "class") continue;
    if (!isTest(s)) {
      setup.push(s.text);
      continue;
    }
    // A pytest-style function is defined by the case and then called by it.
    const body = python && s.kind === "test" && s.name !== undefined ? `${s.text}\n${s.name}()` : s.text;
    cases.push({ code: [...prelude, ...setup, body].join("\n"), body: s.text });
  }
  return cases;
}

/** A key under which two test cases count as the same test (same code up to layout and comments). */
export function testKey(test: TestCase, language: CodeLanguage): string {
  return canonicalCode(test.code, language, { renameLocals: false });
}
