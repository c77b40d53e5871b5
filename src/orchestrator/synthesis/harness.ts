/**
 * The programs that run inside the sandbox to test one candidate: load the candidate once,
 * then run each test case in its own scope, with its own time limit, catching everything,
 * and write one JSON line per case to file descriptor 3 (so that what the candidate prints
 * never mixes with the results). One failing or hanging case never hides the others.
 *
 * Input files: `solution.py` / `solution.js` (the candidate, JS already transpiled to
 * CommonJS), `spec.json` ({tests, perTestTimeoutMs, loadTimeoutMs, functionName}).
 * Output lines: {"load": "ok"} or {"load": "error", "message"}, then
 * {"i", "outcome": "passed"|"failed"|"error"|"timeout", "message", "ms"} per case, then {"done": true}.
 *
 * These are not a security boundary (the sandbox is); a candidate could forge result lines.
 * They are a way to get many verdicts from one process.
 */

export const PYTHON_HARNESS = String.raw`
import builtins, json, os, signal, sys, time, traceback, types

def _emit(obj):
    os.write(3, (json.dumps(obj) + "\n").encode())

class _Timeout(BaseException):
    pass

def _on_alarm(signum, frame):
    raise _Timeout()

signal.signal(signal.SIGALRM, _on_alarm)

def _limit(seconds):
    signal.setitimer(signal.ITIMER_REAL, seconds)

def _describe(e):
    text = "".join(traceback.format_exception_only(type(e), e)).strip()
    return text[-500:]

with open("spec.json") as f:
    _spec = json.load(f)

_solution = types.ModuleType("solution")
_solution.__file__ = "solution.py"
sys.modules["solution"] = _solution
_real_import = builtins.__import__

def _import(name, globals=None, locals=None, fromlist=(), level=0):
    try:
        return _real_import(name, globals, locals, fromlist, level)
    except ImportError:
        # Tests import the function from whatever module the model imagined
        # ("from solution import f", "from main import f"): that module is the candidate.
        if fromlist and all(n == "*" or n in _solution.__dict__ for n in fromlist):
            return _solution
        raise

builtins.__import__ = _import

try:
    with open("solution.py") as f:
        _code = compile(f.read(), "solution.py", "exec")
    _limit(_spec["loadTimeoutMs"] / 1000)
    try:
        exec(_code, _solution.__dict__)
    finally:
        _limit(0)
    _emit({"load": "ok"})
except BaseException as e:
    _emit({"load": "error", "message": "loading took too long" if isinstance(e, _Timeout) else _describe(e)})
    sys.exit(0)

for _i, _test in enumerate(_spec["tests"]):
    _env = dict(_solution.__dict__)
    _env["__name__"] = "__test__"
    _started = time.monotonic()
    try:
        _compiled = compile(_test, "test_%d.py" % _i, "exec")
        _limit(_spec["perTestTimeoutMs"] / 1000)
        try:
            exec(_compiled, _env)
        finally:
            _limit(0)
        _outcome, _message = "passed", None
    except AssertionError as e:
        _outcome, _message = "failed", _describe(e)
    except _Timeout:
        _outcome, _message = "timeout", "took longer than %d ms" % _spec["perTestTimeoutMs"]
    except BaseException as e:
        # SystemExit and KeyboardInterrupt too: a test must not end the harness.
        _outcome, _message = "error", _describe(e)
    _emit({"i": _i, "outcome": _outcome, "message": _message, "ms": round((time.monotonic() - _started) * 1000)})

_emit({"done": True})
sys.stdout.flush()
os._exit(0)
`;

export const NODE_HARNESS = String.raw`
"use strict";
const fs = require("node:fs");
const vm = require("node:vm");
const nodeAssert = require("node:assert");
const spec = JSON.parse(fs.readFileSync("spec.json", "utf8"));
const emit = (o) => fs.writeSync(3, JSON.stringify(o) + "\n");
const describeError = (e) => String(e instanceof Error ? e.name + ": " + e.message : e).slice(0, 500);

process.on("unhandledRejection", () => {});
process.on("uncaughtException", () => {});

const solutionModule = { exports: {} };
// Tests require or import the candidate under whatever path the model imagined.
const solutionView = new Proxy({}, {
  get: (_t, key) => {
    const exp = solutionModule.exports;
    if (exp !== null && (typeof exp === "object" || typeof exp === "function") && key in exp) return exp[key];
    if (key === "default") return exp;
    return globalThis[key];
  },
  has: (_t, key) => key in Object(solutionModule.exports) || key in globalThis,
});
const realRequire = require;
globalThis.require = (id) =>
  typeof id === "string" && (id.startsWith(".") || id.startsWith("/")) ? solutionView : realRequire(id);
globalThis.module = solutionModule;
globalThis.exports = solutionModule.exports;
globalThis.assert = nodeAssert;

// test()/it()/describe() and a small expect(), for Jest- and Vitest-style model tests.
let pending = [];
globalThis.test = globalThis.it = (name, fn) => {
  pending.push(Promise.resolve().then(() => (typeof fn === "function" ? fn() : undefined)));
};
globalThis.describe = (name, fn) => (typeof fn === "function" ? fn() : undefined);
const check = (ok, message) => {
  if (!ok) throw new nodeAssert.AssertionError({ message });
};
globalThis.expect = (actual) => {
  const matchers = (negate) => {
    const m = (ok, message) => check(negate ? !ok : ok, (negate ? "not " : "") + message);
    const equal = (expected) => {
      try { nodeAssert.deepStrictEqual(actual, expected); return true; } catch { return false; }
    };
    return {
      toBe: (e) => m(Object.is(actual, e), "expected " + String(actual) + " to be " + String(e)),
      toEqual: (e) => m(equal(e), "expected values to be equal"),
      toStrictEqual: (e) => m(equal(e), "expected values to be strictly equal"),
      toBeTruthy: () => m(Boolean(actual), "expected a truthy value"),
      toBeFalsy: () => m(!actual, "expected a falsy value"),
      toBeNull: () => m(actual === null, "expected null"),
      toBeUndefined: () => m(actual === undefined, "expected undefined"),
      toBeDefined: () => m(actual !== undefined, "expected a defined value"),
      toBeNaN: () => m(Number.isNaN(actual), "expected NaN"),
      toBeCloseTo: (e, digits = 2) => m(Math.abs(actual - e) < Math.pow(10, -digits) / 2, "expected a close number"),
      toBeGreaterThan: (e) => m(actual > e, "expected a greater value"),
      toBeGreaterThanOrEqual: (e) => m(actual >= e, "expected a greater or equal value"),
      toBeLessThan: (e) => m(actual < e, "expected a smaller value"),
      toBeLessThanOrEqual: (e) => m(actual <= e, "expected a smaller or equal value"),
      toContain: (e) => m(actual != null && actual.includes(e), "expected to contain the item"),
      toHaveLength: (n) => m(actual != null && actual.length === n, "expected length " + n),
      toThrow: () => {
        let threw = false;
        try { actual(); } catch { threw = true; }
        m(threw, "expected a throw");
      },
    };
  };
  const positive = matchers(false);
  positive.not = matchers(true);
  return positive;
};

const withTimeout = (promise, ms) => {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error("took longer than " + ms + " ms"), { hydraTimeout: true })), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
};

const classify = (e) => {
  if (e && (e.hydraTimeout || e.code === "ERR_SCRIPT_EXECUTION_TIMEOUT")) return "timeout";
  if (e && (e.code === "ERR_ASSERTION" || e.name === "AssertionError")) return "failed";
  return "error";
};

(async () => {
  try {
    const source = fs.readFileSync("solution.js", "utf8");
    vm.runInThisContext(source, { filename: "solution.js", timeout: spec.loadTimeoutMs });
    const exp = solutionModule.exports;
    if (exp !== null && typeof exp === "object") {
      for (const [key, value] of Object.entries(exp)) if (!(key in globalThis)) globalThis[key] = value;
    }
    // module.exports = function ... : the function itself is the export.
    if (typeof exp === "function" && spec.functionName && !(spec.functionName in globalThis)) {
      globalThis[spec.functionName] = exp;
    }
    emit({ load: "ok" });
  } catch (e) {
    emit({ load: "error", message: classify(e) === "timeout" ? "loading took too long" : describeError(e) });
    process.exit(0);
  }
  for (let i = 0; i < spec.tests.length; i++) {
    const started = performance.now();
    let outcome = "passed";
    let message = null;
    pending = [];
    try {
      const body = "(async () => {\n" + spec.tests[i] + "\n})()";
      const run = vm.runInThisContext(body, { filename: "test_" + i + ".js", timeout: spec.perTestTimeoutMs });
      await withTimeout(run.then(() => Promise.all(pending)), spec.perTestTimeoutMs);
    } catch (e) {
      outcome = classify(e);
      message = describeError(e);
    }
    emit({ i, outcome, message, ms: Math.round(performance.now() - started) });
  }
  emit({ done: true });
  process.exit(0);
})();
`;
