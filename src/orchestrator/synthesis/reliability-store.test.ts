import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { reliabilityOf } from "./reliability.js";
import { fileReliabilityStore, memoryReliabilityStore } from "./reliability-store.js";

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "hydra-reliability-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("reliability stores", () => {
  it("keeps outcomes in memory", () => {
    const store = memoryReliabilityStore();
    store.record([{ model: "m", verified: true }], "code");
    expect(reliabilityOf(store.book(), "m", "code")).toBeGreaterThan(0.5);
  });

  it("keeps outcomes in a file that a new store (a restarted process) reads back", () => {
    const file = join(tempDir(), "nested", "synthesis-reliability.json");
    const first = fileReliabilityStore(file);
    first.record([{ model: "m", verified: true }], "code");
    first.record([{ model: "m", verified: false }], "code");
    const second = fileReliabilityStore(file);
    expect(second.loadProblem).toBeUndefined();
    expect(second.book()).toEqual(first.book());
    expect(JSON.parse(readFileSync(file, "utf8")).entries.m).toEqual({ verified: 1, rejected: 1 });
  });

  it("starts an empty book, and says why, when the file is not a book", () => {
    const file = join(tempDir(), "book.json");
    writeFileSync(file, "{ not json");
    const broken = fileReliabilityStore(file);
    expect(broken.loadProblem).toMatch(/could not read .*book\.json/);
    expect(broken.book().entries).toEqual({});
    writeFileSync(file, JSON.stringify({ version: 1, entries: { m: { verified: -2, rejected: 0 } } }));
    expect(fileReliabilityStore(file).loadProblem).toMatch(/is not a reliability book/);
  });
});
