/**
 * Reads an NDJSON body as it arrives: complete lines only, each parsed, in the
 * batches the network delivered them. A half line at a chunk boundary waits for
 * the rest, so nothing downstream ever sees (or forwards) a broken line.
 */
export interface NdjsonLine {
  /** The line exactly as the node sent it, without the newline. */
  text: string;
  value: Record<string, unknown>;
}

/** A line that is not a JSON object: the node sent a malformed chunk. */
export class MalformedChunkError extends Error {
  readonly line: string;
  constructor(line: string) {
    super(`malformed chunk: ${line.length > 120 ? `${line.slice(0, 120)}…` : line}`);
    this.name = "MalformedChunkError";
    this.line = line;
  }
}

export async function* readNdjson(body: AsyncIterable<Uint8Array>): AsyncGenerator<NdjsonLine[]> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of body) {
    pending += decoder.decode(chunk, { stream: true });
    const lastNewline = pending.lastIndexOf("\n");
    if (lastNewline === -1) continue;
    const complete = pending.slice(0, lastNewline);
    pending = pending.slice(lastNewline + 1);
    const batch = parseLines(complete);
    if (batch.length > 0) yield batch;
  }
  pending += decoder.decode();
  if (pending.trim() !== "") yield parseLines(pending);
}

function parseLines(text: string): NdjsonLine[] {
  const lines: NdjsonLine[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new MalformedChunkError(line);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw new MalformedChunkError(line);
    lines.push({ text: line, value: value as Record<string, unknown> });
  }
  return lines;
}
