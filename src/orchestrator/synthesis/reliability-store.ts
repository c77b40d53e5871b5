/**
 * Where the reliability book lives between syntheses: in memory, or in a JSON file under the
 * orchestrator's data dir so that what Hydra learned about its models survives a restart. The
 * file is small (two counts per model and task type) and rewritten whole, through a temporary
 * file and a rename, so a crash never leaves half a book. A missing or unreadable file starts
 * an empty book: losing the record costs only the prior, never a request.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import {
  emptyReliabilityBook,
  parseReliabilityBook,
  type ReliabilityBook,
  type ReliabilityOutcome,
  recordOutcomes,
} from "./reliability.js";

export interface ReliabilityStore {
  /** The book as it stands. */
  book(): ReliabilityBook;
  /** Adds one synthesis's outcomes (and saves them, for a file store). */
  record(outcomes: readonly ReliabilityOutcome[], taskType?: string): void;
}

export function memoryReliabilityStore(initial: ReliabilityBook = emptyReliabilityBook()): ReliabilityStore {
  let current = initial;
  return {
    book: () => current,
    record: (outcomes, taskType) => {
      current = recordOutcomes(current, outcomes, taskType);
    },
  };
}

/** A store kept in `file` (created on the first outcome). */
export function fileReliabilityStore(file: string): ReliabilityStore & { loadProblem?: string } {
  let current = emptyReliabilityBook();
  let loadProblem: string | undefined;
  try {
    const parsed = parseReliabilityBook(JSON.parse(readFileSync(file, "utf8")));
    if (parsed === undefined) loadProblem = `${file} is not a reliability book; starting an empty one`;
    else current = parsed;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      loadProblem = `could not read ${file} (${(error as Error).message}); starting an empty book`;
    }
  }
  return {
    ...(loadProblem === undefined ? {} : { loadProblem }),
    book: () => current,
    record: (outcomes, taskType) => {
      current = recordOutcomes(current, outcomes, taskType);
      mkdirSync(dirname(file), { recursive: true });
      const temporary = `${file}.${process.pid}.tmp`;
      writeFileSync(temporary, `${JSON.stringify(current)}\n`);
      renameSync(temporary, file);
    },
  };
}
