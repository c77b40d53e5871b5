/**
 * Finds the first syntax error in a JSON text and describes it in the words of Go's
 * encoding/json, which is what Ollama answers for a malformed body. Only called after
 * JSON.parse failed, so speed does not matter; clarity does.
 */

class GoSyntaxError extends Error {}

const quote = (c: string) => `'${c === "'" ? "\\'" : c}'`;

export function goJsonSyntaxError(text: string): string {
  const scanner = new Scanner(text);
  try {
    scanner.skipSpace();
    scanner.value();
    scanner.skipSpace();
    if (!scanner.atEnd()) scanner.fail("after top-level value");
    return "invalid JSON";
  } catch (error) {
    if (error instanceof GoSyntaxError) return error.message;
    throw error;
  }
}

class Scanner {
  private i = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.i >= this.text.length;
  }

  skipSpace(): void {
    while (!this.atEnd() && " \t\r\n".includes(this.text[this.i] as string)) this.i++;
  }

  fail(context: string): never {
    if (this.atEnd()) throw new GoSyntaxError("unexpected EOF");
    throw new GoSyntaxError(`invalid character ${quote(this.text[this.i] as string)} ${context}`);
  }

  private peek(): string | undefined {
    return this.text[this.i];
  }

  value(): void {
    const c = this.peek();
    if (c === "{") this.object();
    else if (c === "[") this.array();
    else if (c === '"') this.string();
    else if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) this.number();
    else {
      const literal = ["true", "false", "null"].find((word) => word[0] === c);
      if (literal === undefined) this.fail("looking for beginning of value");
      this.literal(literal);
    }
  }

  private literal(word: string): void {
    for (let k = 0; k < word.length; k++) {
      if (this.peek() !== word[k]) this.fail(`in literal ${word} (expecting ${quote(word[k] as string)})`);
      this.i++;
    }
  }

  private number(): void {
    if (this.peek() === "-") this.i++;
    const digits = () => {
      const start = this.i;
      while (/[0-9]/.test(this.peek() ?? "")) this.i++;
      if (this.i === start) this.fail("in numeric literal");
    };
    digits();
    if (this.peek() === ".") {
      this.i++;
      digits();
    }
    if (this.peek() === "e" || this.peek() === "E") {
      this.i++;
      if (this.peek() === "+" || this.peek() === "-") this.i++;
      digits();
    }
  }

  private string(): void {
    this.i++;
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail("in string literal");
      if (c === '"') {
        this.i++;
        return;
      }
      if (c < " ") this.fail("in string literal");
      if (c === "\\") {
        this.i++;
        const e = this.peek();
        if (e === undefined || !'"\\/bfnrtu'.includes(e)) this.fail("in string escape code");
      }
      this.i++;
    }
  }

  private object(): void {
    this.i++;
    this.skipSpace();
    if (this.peek() === "}") {
      this.i++;
      return;
    }
    for (;;) {
      if (this.peek() !== '"') this.fail("looking for beginning of object key string");
      this.string();
      this.skipSpace();
      if (this.peek() !== ":") this.fail("after object key");
      this.i++;
      this.skipSpace();
      this.value();
      this.skipSpace();
      if (this.peek() === ",") {
        this.i++;
        this.skipSpace();
        continue;
      }
      if (this.peek() === "}") {
        this.i++;
        return;
      }
      this.fail("after object key:value pair");
    }
  }

  private array(): void {
    this.i++;
    this.skipSpace();
    if (this.peek() === "]") {
      this.i++;
      return;
    }
    for (;;) {
      this.value();
      this.skipSpace();
      if (this.peek() === ",") {
        this.i++;
        this.skipSpace();
        continue;
      }
      if (this.peek() === "]") {
        this.i++;
        return;
      }
      this.fail("after array element");
    }
  }
}
