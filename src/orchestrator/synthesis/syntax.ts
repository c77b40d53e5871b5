/**
 * Syntax checks, the cheapest evidence: code that does not parse cannot be right.
 * JavaScript and TypeScript are parsed in-process by the TypeScript compiler (parsing runs
 * nothing), then the transpiled JavaScript is compiled, not run, by V8 to catch the early
 * errors TypeScript's parser lets through (`let let`, a top-level `return`). Python is compiled
 * by `py_compile` in the sandbox: CPython's own compiler, but it is a separate program, so
 * it runs where untrusted input belongs.
 */
import { Script } from "node:vm";
import type { Sandbox } from "./sandbox.js";
import { type CodeLanguage, familyOf } from "./types.js";
import { typescript } from "./typescript-api.js";

export interface SyntaxVerdict {
  ok: boolean;
  /** "line 3: ';' expected." ... */
  errors: string[];
  /** False when the check could not run (no Python): `ok` is then true, for lack of evidence. */
  checked: boolean;
}

/** TypeScript's syntactic diagnostics and V8's early errors for JS/TS code; pure and synchronous. */
export function checkJavaScriptSyntax(code: string, language: "javascript" | "typescript"): SyntaxVerdict {
  const ts = typescript();
  const fileName = language === "typescript" ? "candidate.ts" : "candidate.js";
  const out = ts.transpileModule(code, {
    fileName,
    reportDiagnostics: true,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      allowJs: true,
    },
  });
  const errors = (out.diagnostics ?? [])
    .filter((d) => d.category === ts.DiagnosticCategory.Error)
    .map((d) => {
      const message = ts.flattenDiagnosticMessageText(d.messageText, " ");
      if (d.file === undefined || d.start === undefined) return message;
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
      return `line ${line + 1}:${character + 1}: ${message}`;
    });
  if (errors.length > 0) return { ok: false, errors, checked: true };
  try {
    // Compiles without running: `new Script` only parses and compiles.
    new Script(out.outputText, { filename: fileName });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, errors: [message], checked: true };
  }
  return { ok: true, errors: [], checked: true };
}

const PY_CHECKER = `
import json, os, py_compile, sys
results = []
for name in sys.argv[1:]:
    try:
        py_compile.compile(name, cfile=name + "c", doraise=True)
        results.append({"ok": True, "errors": []})
    except py_compile.PyCompileError as e:
        err = e.exc_value
        line = getattr(err, "lineno", None)
        text = getattr(err, "msg", None) or str(err)
        results.append({"ok": False, "errors": [("line %s: " % line if line else "") + type(err).__name__ + ": " + text]})
    except Exception as e:
        results.append({"ok": False, "errors": [type(e).__name__ + ": " + str(e)]})
os.write(3, json.dumps(results).encode())
`;

/** Compiles Python sources with `py_compile` in one sandboxed process; one verdict per source. */
export async function checkPythonSyntax(
  sources: readonly string[],
  sandbox: Sandbox,
): Promise<SyntaxVerdict[]> {
  if (sources.length === 0) return [];
  const files: Record<string, string> = { "check_syntax.py": PY_CHECKER };
  const names = sources.map((source, i) => {
    const name = `candidate_${i}.py`;
    files[name] = source;
    return name;
  });
  const result = await sandbox.run({
    runtime: "python",
    files,
    args: ["check_syntax.py", ...names],
    channel: true,
    limits: { timeoutMs: 10_000 + 500 * sources.length },
  });
  try {
    const parsed = JSON.parse(result.channel) as { ok: boolean; errors: string[] }[];
    if (parsed.length === sources.length) return parsed.map((v) => ({ ...v, checked: true }));
  } catch {
    // Fall through: the checker did not finish (no Python, sandbox failure).
  }
  const why = result.reason ?? result.stderr.trim().split("\n").pop() ?? "unknown";
  return sources.map(() => ({ ok: true, errors: [`syntax not checked: ${why}`], checked: false }));
}

/** Syntax verdicts for code in any supported language, in input order. */
export async function checkSyntax(
  items: readonly { code: string; language: CodeLanguage }[],
  sandbox: Sandbox,
): Promise<SyntaxVerdict[]> {
  const verdicts: (SyntaxVerdict | undefined)[] = items.map((item) =>
    familyOf(item.language) === "javascript"
      ? checkJavaScriptSyntax(item.code, item.language === "typescript" ? "typescript" : "javascript")
      : undefined,
  );
  const pyIndexes = items.flatMap((item, i) => (familyOf(item.language) === "python" ? [i] : []));
  const pyVerdicts = await checkPythonSyntax(
    pyIndexes.map((i) => items[i]?.code ?? ""),
    sandbox,
  );
  pyIndexes.forEach((index, k) => {
    verdicts[index] = pyVerdicts[k];
  });
  return verdicts.map((v) => v ?? { ok: true, errors: [], checked: false });
}
