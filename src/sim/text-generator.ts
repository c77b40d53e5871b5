/**
 * Readable pseudo-text: sentences of common words, sprinkled with words taken from the prompt so
 * a demo answer looks related to its question. Output is a list of token pieces, so streaming,
 * num_predict and token counts all agree.
 */
import type { Rng } from "./rng.js";
import { wordPieces } from "./tokens.js";

const VOCABULARY = [
  "the", "a", "model", "cluster", "node", "request", "answer", "simple", "fast", "data", "value",
  "system", "result", "question", "example", "first", "next", "then", "because", "when", "this",
  "that", "with", "from", "into", "over", "each", "every", "some", "many", "more", "most", "other",
  "time", "way", "part", "work", "point", "case", "idea", "step", "plan", "test", "check", "build",
  "run", "read", "write", "send", "keep", "make", "take", "show", "use", "find", "give", "know",
  "good", "small", "large", "clear", "ready", "stable", "local", "remote", "shared", "quick",
  "careful", "useful", "likely", "often", "also", "only", "still", "just", "well", "here", "there",
  "is", "are", "was", "can", "will", "should", "could", "would", "may", "must", "does", "has",
  "and", "or", "but", "so", "if", "of", "to", "in", "on", "for", "by", "at", "as", "it", "we",
  "you", "they", "one", "two", "three", "memory", "network", "latency", "token", "stream",
  "response", "context", "prompt", "balance", "queue", "worker", "signal", "pattern", "detail",
] as const;

const STOPWORDS = new Set(["the", "and", "what", "which", "with", "that", "this", "from", "have", "your", "about", "please", "tell", "would", "could", "should", "there", "their"]);

/** Content words of a prompt worth echoing back (longer than 3 letters, not stopwords). */
export function promptKeywords(prompt: string, limit = 6): string[] {
  const words = prompt.toLowerCase().match(/\p{L}{4,}/gu) ?? [];
  const seen = new Set<string>();
  for (const word of words) {
    if (!STOPWORDS.has(word)) seen.add(word);
    if (seen.size >= limit) break;
  }
  return [...seen];
}

/**
 * Token pieces of about `targetTokens` tokens, ending with a full stop. The answer is built
 * sentence by sentence and the last sentence is trimmed so the length lands on the target.
 */
export function generateTextPieces(rng: Rng, targetTokens: number, keywords: readonly string[]): string[] {
  const pieces: string[] = [];
  let sentenceStart = true;
  let wordsInSentence = 0;
  let sentenceLength = rng.int(6, 14);
  while (pieces.length < targetTokens) {
    const remaining = targetTokens - pieces.length;
    // Close the sentence when it is long enough or when only the full stop still fits.
    if (remaining === 1 || (wordsInSentence >= sentenceLength && remaining > 0)) {
      pieces.push(".");
      sentenceStart = true;
      wordsInSentence = 0;
      sentenceLength = rng.int(6, 14);
      continue;
    }
    let room = remaining - 1; // keep one token for the closing full stop
    if (!sentenceStart && room > 2 && rng.chance(0.08)) {
      pieces.push(",");
      room--;
    }
    let word: string = keywords.length > 0 && rng.chance(0.15) ? rng.pick(keywords) : rng.pick(VOCABULARY);
    if (Math.ceil([...word].length / 6) > room) word = rng.pick(["a", "it", "so", "we"]);
    if (sentenceStart) word = word.charAt(0).toUpperCase() + word.slice(1);
    pieces.push(...wordPieces(word, pieces.length > 0));
    sentenceStart = false;
    wordsInSentence++;
  }
  return pieces;
}

/** A short line of "reasoning" for thinking models, as token pieces. */
export function generateThinkingPieces(rng: Rng, keywords: readonly string[]): string[] {
  const topic = keywords.length > 0 ? keywords.join(", ") : "the question";
  const opener = ["Okay,", "Let", "me", "think", "about", topic.replaceAll(",", "")].join(" ");
  const pieces = opener.split(" ").flatMap((word, i) => wordPieces(word, i > 0));
  pieces.push(".");
  return [...pieces, ...generateTextPieces(rng, rng.int(8, 20), keywords).map((p, i) => (i === 0 ? ` ${p.trimStart()}` : p))];
}
