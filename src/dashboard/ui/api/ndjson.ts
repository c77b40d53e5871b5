/** Splits a stream of newline-delimited JSON into values, whatever the chunk boundaries. */
export class NdjsonSplitter {
  #buffer = "";

  /** The complete lines of this chunk, parsed; blank lines are skipped. */
  push(chunk: string): unknown[] {
    const text = this.#buffer + chunk;
    const lines = text.split("\n");
    this.#buffer = lines.pop() ?? "";
    return lines.filter((line) => line.trim() !== "").map((line) => JSON.parse(line) as unknown);
  }

  /** What is left once the stream ended (a last line without a newline). */
  end(): unknown[] {
    const rest = this.#buffer.trim();
    this.#buffer = "";
    return rest === "" ? [] : [JSON.parse(rest) as unknown];
  }
}
