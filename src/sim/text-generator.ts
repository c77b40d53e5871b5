/**
 * Readable pseudo-text: sentences of common words, sprinkled with words taken from the prompt so
 * a demo answer looks related to its question. Output is a list of token pieces, so streaming,
 * num_predict and token counts all agree.
 */
import type { Rng } from "./rng.js";
import { wordPieces } from "./tokens.js";

// Word classes for a tiny sentence grammar: enough variety to read like prose in a demo.
const DETERMINERS = ["the", "a", "each", "every", "this", "our", "one"] as const;
const ADJECTIVES = [
  "fast",
  "small",
  "stable",
  "local",
  "remote",
  "shared",
  "clear",
  "simple",
  "careful",
  "useful",
  "quick",
  "large",
  "busy",
  "idle",
  "new",
] as const;
const NOUNS = [
  "model",
  "cluster",
  "node",
  "request",
  "answer",
  "queue",
  "worker",
  "stream",
  "token",
  "prompt",
  "result",
  "system",
  "network",
  "gateway",
  "response",
  "pattern",
  "value",
  "step",
  "plan",
  "test",
  "memory",
  "context",
] as const;
const VERBS = [
  "keeps",
  "sends",
  "reads",
  "builds",
  "checks",
  "finds",
  "shows",
  "uses",
  "takes",
  "makes",
  "handles",
  "balances",
  "returns",
  "streams",
  "loads",
  "needs",
  "improves",
] as const;
const ADVERBS = [
  "quickly",
  "often",
  "always",
  "rarely",
  "carefully",
  "usually",
  "clearly",
  "safely",
] as const;
const PREPOSITIONS = ["for", "with", "from", "into", "over", "across", "through", "to"] as const;

const STOPWORDS = new Set([
  "the",
  "and",
  "what",
  "which",
  "with",
  "that",
  "this",
  "from",
  "have",
  "your",
  "about",
  "please",
  "tell",
  "would",
  "could",
  "should",
  "there",
  "their",
]);

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

class SentenceGrammar {
  constructor(
    private readonly rng: Rng,
    private readonly keywords: readonly string[],
  ) {}

  /** One sentence as words and punctuation marks, without the final full stop. */
  sentence(): string[] {
    const { rng } = this;
    const form = rng.int(0, 4);
    if (form === 0) return [...this.clause(), ",", "and", ...this.clause()];
    if (form === 1) return ["When", ...this.clause(), ",", ...this.clause()];
    if (form === 2) return [capitalize(rng.pick(ADVERBS)), ",", ...this.clause()];
    return this.clause();
  }

  private clause(): string[] {
    const { rng } = this;
    const words = [...this.nounPhrase(), rng.pick(VERBS)];
    if (rng.chance(0.2)) return [...words, rng.pick(ADVERBS)];
    words.push(...this.nounPhrase());
    if (rng.chance(0.5)) words.push(rng.pick(PREPOSITIONS), ...this.nounPhrase());
    return words;
  }

  private nounPhrase(): string[] {
    const { rng } = this;
    const noun = this.keywords.length > 0 && rng.chance(0.2) ? rng.pick(this.keywords) : rng.pick(NOUNS);
    const words: string[] = [rng.pick(DETERMINERS)];
    if (rng.chance(0.4)) words.push(rng.pick(ADJECTIVES));
    words.push(noun);
    if (words[0] === "a" && /^[aeiou]/.test(words[1] ?? "")) words[0] = "an";
    return words;
  }
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/**
 * Token pieces of about `targetTokens` tokens (at most that many, at most two fewer), ending
 * with a full stop: sentences from a small grammar, the last one cut short where the budget ends.
 */
export function generateTextPieces(rng: Rng, targetTokens: number, keywords: readonly string[]): string[] {
  const grammar = new SentenceGrammar(rng, keywords);
  const pieces: string[] = [];
  while (pieces.length < targetTokens) {
    const words = grammar.sentence();
    words[0] = capitalize(words[0] ?? "");
    for (const word of words) {
      const room = targetTokens - pieces.length - 1; // one token stays for the full stop
      const pieceCount = /^\p{L}/u.test(word) ? Math.ceil([...word].length / 6) : 1;
      if (pieceCount > room) break;
      if (/^\p{L}/u.test(word)) pieces.push(...wordPieces(word, pieces.length > 0));
      else pieces.push(word);
    }
    if (pieces[pieces.length - 1] === ",") pieces.pop();
    pieces.push(".");
    // Too little room for another sentence: stop a token or two short rather than emit "..".
    if (targetTokens - pieces.length < 3) break;
  }
  return pieces;
}

/** A short line of "reasoning" for thinking models, as token pieces. */
export function generateThinkingPieces(rng: Rng, keywords: readonly string[]): string[] {
  const topic = keywords.length > 0 ? keywords.join(", ") : "the question";
  const opener = ["Okay,", "Let", "me", "think", "about", topic.replaceAll(",", "")].join(" ");
  const pieces = opener.split(" ").flatMap((word, i) => wordPieces(word, i > 0));
  pieces.push(".");
  return [
    ...pieces,
    ...generateTextPieces(rng, rng.int(8, 20), keywords).map((p, i) => (i === 0 ? ` ${p.trimStart()}` : p)),
  ];
}
