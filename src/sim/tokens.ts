/**
 * A stand-in tokenizer. Real tokenizers split text into sub-word pieces; this one counts a word
 * of up to six letters as one token, longer words as one token per six letters, and every digit
 * or punctuation mark as one token. That is close enough to real counts (~1.3 tokens per English
 * word) for latency modelling, and it is deterministic.
 */
import { hashString } from "./rng.js";

const PIECE_LETTERS = 6;
const TOKEN_PATTERN = /\p{L}+|\p{N}|[^\s\p{L}\p{N}]/gu;

/** Token count of a text. */
export function countTokens(text: string): number {
  let count = 0;
  for (const match of text.matchAll(TOKEN_PATTERN)) {
    const piece = match[0];
    count += /^\p{L}/u.test(piece) ? Math.ceil([...piece].length / PIECE_LETTERS) : 1;
  }
  return count;
}

/**
 * Splits a word into token pieces the way countTokens counts it; the first piece carries the
 * leading space, as BPE tokens do.
 */
export function wordPieces(word: string, leadingSpace: boolean): string[] {
  const letters = [...word];
  const pieces: string[] = [];
  for (let i = 0; i < letters.length; i += PIECE_LETTERS) {
    pieces.push(letters.slice(i, i + PIECE_LETTERS).join(""));
  }
  if (pieces.length === 0) pieces.push("");
  if (leadingSpace) pieces[0] = ` ${pieces[0]}`;
  return pieces;
}

/** Token ids for a text (for /api/generate's `context`): one stable id per piece. */
export function tokenIds(text: string): number[] {
  const ids: number[] = [];
  for (const match of text.matchAll(TOKEN_PATTERN)) {
    const piece = match[0];
    const parts = /^\p{L}/u.test(piece) ? wordPieces(piece, false) : [piece];
    for (const part of parts) ids.push(100 + (hashString(part) % 128_000));
  }
  return ids;
}

/**
 * Splits arbitrary text (JSON output, tool arguments) into streamable token pieces: short letter
 * runs, digits and single symbols, each with the whitespace before it. Joining the pieces gives
 * the text back exactly.
 */
export function splitIntoPieces(text: string): string[] {
  return text.match(/\s*(?:\p{L}{1,6}|\p{N}{1,3}|[^\s\p{L}\p{N}])|\s+$/gu) ?? [];
}

/** The longest prefix of `text` that has at most `maxTokens` tokens (embedding truncation). */
export function truncateToTokens(text: string, maxTokens: number): string {
  let count = 0;
  for (const match of text.matchAll(TOKEN_PATTERN)) {
    const piece = match[0];
    const cost = /^\p{L}/u.test(piece) ? Math.ceil([...piece].length / PIECE_LETTERS) : 1;
    if (count + cost > maxTokens) return text.slice(0, match.index);
    count += cost;
  }
  return text;
}
