/**
 * Ids in the shapes Ollama's OpenAI layer uses: "chatcmpl-<0..998>", "cmpl-<0..998>" and
 * "call_<8 of [a-z0-9]>". They are labels, not keys: Ollama draws them from a small range and
 * clients only echo them back. Every function takes the random source so tests can pin it.
 */

/** A source of numbers in [0, 1), like Math.random. */
export type RandomSource = () => number;

const ID_RANGE = 999;
const TOOL_CALL_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
const TOOL_CALL_SUFFIX_LENGTH = 8;

function randomInt(below: number, random: RandomSource): number {
  return Math.min(below - 1, Math.floor(random() * below));
}

export function chatCompletionId(random: RandomSource = Math.random): string {
  return `chatcmpl-${randomInt(ID_RANGE, random)}`;
}

export function completionId(random: RandomSource = Math.random): string {
  return `cmpl-${randomInt(ID_RANGE, random)}`;
}

export function toolCallId(random: RandomSource = Math.random): string {
  let suffix = "";
  for (let i = 0; i < TOOL_CALL_SUFFIX_LENGTH; i++) {
    suffix += TOOL_CALL_ALPHABET[randomInt(TOOL_CALL_ALPHABET.length, random)];
  }
  return `call_${suffix}`;
}

/** Unix seconds, the unit of every `created` field in the OpenAI API. */
export function unixSeconds(date: Date = new Date()): number {
  return Math.floor(date.getTime() / 1000);
}
