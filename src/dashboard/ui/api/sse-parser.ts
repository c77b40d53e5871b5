/**
 * An incremental parser of Server-Sent Events (the WHATWG "event stream" format): feed it text
 * chunks split anywhere, it returns the complete messages. The dashboard reads streams with
 * fetch() instead of EventSource, which cannot send an Authorization header.
 */

export interface SseMessage {
  /** The last event id seen so far (it persists across messages, as in EventSource). */
  id: string | undefined;
  /** The `event:` field; "message" when absent. */
  event: string;
  /** The `data:` lines joined with "\n". */
  data: string;
}

export class SseParser {
  #buffer = "";
  #data: string[] = [];
  #event = "";
  #started = false;
  #skipLineFeed = false;
  /** The id of the last message with an `id:` field, for a reconnect's Last-Event-ID. */
  lastEventId: string | undefined;
  /** The server's `retry:` advice, ms. */
  retryMs: number | undefined;

  /** Parses one more chunk; returns the messages it completed. */
  push(chunk: string): SseMessage[] {
    let text = this.#buffer + chunk;
    if (this.#skipLineFeed && text.startsWith("\n")) text = text.slice(1);
    this.#skipLineFeed = false;
    if (!this.#started && text.length > 0) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const messages: SseMessage[] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const char = text[i];
      if (char !== "\n" && char !== "\r") continue;
      this.#line(text.slice(start, i), messages);
      if (char === "\r") {
        // "\r\n" is one line end; when the "\r" ends the chunk, a "\n" may start the next one.
        if (i === text.length - 1) this.#skipLineFeed = true;
        else if (text[i + 1] === "\n") i++;
      }
      start = i + 1;
    }
    this.#buffer = text.slice(start);
    return messages;
  }

  #line(line: string, messages: SseMessage[]): void {
    if (line === "") {
      this.#dispatch(messages);
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "data":
        this.#data.push(value);
        break;
      case "event":
        this.#event = value;
        break;
      case "id":
        if (!value.includes("\0")) this.lastEventId = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
    }
  }

  #dispatch(messages: SseMessage[]): void {
    if (this.#data.length > 0) {
      messages.push({ id: this.lastEventId, event: this.#event || "message", data: this.#data.join("\n") });
    }
    this.#data = [];
    this.#event = "";
  }
}
