/**
 * Playground: stream a chat completion from any model, or from "hydra" (the orchestrator, whose
 * progress shows in the collapsible thinking area), with stop, time to first token and tokens/s.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { describeError, getJson } from "../api/http.js";
import { Notice } from "../components/notice.js";
import { formatCount, formatMs } from "../format.js";
import { applyChatChunk, type ChatProgress, EMPTY_CHAT, generatedTokens } from "../playground/chat-stream.js";
import { streamChat } from "../playground/stream-chat.js";
import { TESTID } from "../testids.js";

const HYDRA_MODEL = "hydra";

type Phase = "idle" | "streaming" | "done" | "error";

interface Timing {
  startedAt: number;
  firstTokenAt: number | undefined;
  endedAt: number | undefined;
}

export function PlaygroundPage() {
  const [models, setModels] = useState<string[]>([]);
  const [modelsError, setModelsError] = useState<string | undefined>(undefined);
  const [model, setModel] = useState(() => localStorage.getItem("hydra.playgroundModel") ?? "");
  const [prompt, setPrompt] = useState("");
  const [phase, setPhase] = useState<Phase>("idle");
  const [progress, setProgress] = useState<ChatProgress>(EMPTY_CHAT);
  const [timing, setTiming] = useState<Timing | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const abort = useRef<AbortController | undefined>(undefined);

  useEffect(() => {
    getJson<{ data: { id: string }[] }>("/v1/models")
      .then((list) => setModels(list.data.map((m) => m.id).sort()))
      .catch((failure: unknown) => setModelsError(describeError(failure)));
    return () => abort.current?.abort();
  }, []);

  const choices = [HYDRA_MODEL, ...models.filter((m) => m !== HYDRA_MODEL)];
  const chosen = choices.includes(model) ? model : (models[0] ?? HYDRA_MODEL);

  const send = async () => {
    if (prompt.trim() === "" || phase === "streaming") return;
    const controller = new AbortController();
    abort.current = controller;
    localStorage.setItem("hydra.playgroundModel", chosen);
    const started = performance.now();
    let first: number | undefined;
    let current = EMPTY_CHAT;
    setProgress(EMPTY_CHAT);
    setError(undefined);
    setTiming({ startedAt: started, firstTokenAt: undefined, endedAt: undefined });
    setPhase("streaming");
    try {
      await streamChat(
        { model: chosen, messages: [{ role: "user", content: prompt }] },
        (chunk) => {
          const next = applyChatChunk(current, chunk);
          if (first === undefined && (next.content !== "" || next.reasoning !== "")) {
            first = performance.now();
            setTiming({ startedAt: started, firstTokenAt: first, endedAt: undefined });
          }
          current = next;
          setProgress(next);
        },
        controller.signal,
      );
      setTiming({ startedAt: started, firstTokenAt: first, endedAt: performance.now() });
      if (current.error !== undefined) {
        setError(current.error);
        setPhase("error");
      } else {
        setPhase("done");
      }
    } catch (failure) {
      setTiming({ startedAt: started, firstTokenAt: first, endedAt: performance.now() });
      if (controller.signal.aborted) {
        setError("stopped");
        setPhase("done");
      } else {
        setError(describeError(failure));
        setPhase("error");
      }
    }
  };

  const stop = () => abort.current?.abort();
  const tokens = generatedTokens(progress);
  const ttft = timing?.firstTokenAt !== undefined ? timing.firstTokenAt - timing.startedAt : undefined;
  const end = timing?.endedAt ?? (phase === "streaming" ? performance.now() : undefined);
  const decodeS =
    timing?.firstTokenAt !== undefined && end !== undefined ? (end - timing.firstTokenAt) / 1000 : 0;
  const tokensPerS = decodeS > 0 && tokens > 1 ? tokens / decodeS : undefined;

  return (
    <div class="stack">
      <form
        class="card stack-tight"
        onSubmit={(event) => {
          event.preventDefault();
          void send();
        }}
      >
        <div class="form-row">
          <label class="field-inline">
            <span class="muted">Model</span>
            <select
              class="select"
              value={chosen}
              data-testid={TESTID.playgroundModel}
              onChange={(event) => setModel(event.currentTarget.value)}
            >
              {choices.map((name) => (
                <option key={name} value={name}>
                  {name === HYDRA_MODEL ? "hydra (orchestrator)" : name}
                </option>
              ))}
            </select>
          </label>
          {modelsError !== undefined && <span class="error-text small">{modelsError}</span>}
        </div>
        <textarea
          class="input textarea"
          rows={4}
          placeholder="Ask something… (Ctrl+Enter sends)"
          value={prompt}
          data-testid={TESTID.playgroundInput}
          onInput={(event) => setPrompt(event.currentTarget.value)}
          onKeyDown={(event) => {
            if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
              event.preventDefault();
              void send();
            }
          }}
        />
        <div class="form-row">
          <button
            class="btn btn-primary"
            type="submit"
            data-testid={TESTID.playgroundSend}
            disabled={phase === "streaming" || prompt.trim() === ""}
          >
            Send
          </button>
          {phase === "streaming" && (
            <button class="btn" type="button" data-testid={TESTID.playgroundStop} onClick={stop}>
              Stop
            </button>
          )}
          <span class="muted small num" data-testid={TESTID.playgroundStats}>
            {timing !== undefined &&
              `TTFT ${formatMs(ttft)} · ${formatCount(tokens)} ${progress.completionTokens === undefined ? "chunks" : "tokens"}${tokensPerS !== undefined ? ` · ${formatCount(tokensPerS)} tok/s` : ""}`}
          </span>
        </div>
      </form>
      {(progress.reasoning !== "" || (phase === "streaming" && chosen === HYDRA_MODEL)) && (
        <details class="card thinking" data-testid={TESTID.playgroundThinking} open={phase === "streaming"}>
          <summary>Thinking{phase === "streaming" && progress.content === "" ? "…" : ""}</summary>
          <pre class="pre">{progress.reasoning}</pre>
        </details>
      )}
      {error !== undefined && phase === "error" && <Notice tone="bad">{error}</Notice>}
      <div class={`card output state-${phase}`} data-testid={TESTID.playgroundOutput} data-state={phase}>
        {progress.content === "" && phase === "idle" ? (
          <span class="muted">The answer appears here.</span>
        ) : (
          <div class="answer-text">
            {progress.content}
            {phase === "streaming" && <span class="caret" />}
          </div>
        )}
        {phase === "done" && error === "stopped" && <div class="muted small">stopped</div>}
        {progress.finishReason !== null && progress.finishReason !== "stop" && (
          <div class="muted small">finish reason: {progress.finishReason}</div>
        )}
      </div>
    </div>
  );
}
