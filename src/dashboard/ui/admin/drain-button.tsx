/** Drain or undrain one node; shows the server's message when the admin key is refused. */
import { useState } from "preact/hooks";
import { describeError } from "../api/http.js";
import { TESTID } from "../testids.js";
import { setDrained } from "./actions.js";

export function DrainButton({ node, drained }: { node: string; drained: boolean }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const toggle = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await setDrained(node, !drained);
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="drain">
      <button
        type="button"
        class={drained ? "btn btn-small" : "btn btn-small btn-warn"}
        data-testid={drained ? TESTID.undrainButton : TESTID.drainButton}
        data-node={node}
        disabled={busy}
        onClick={toggle}
      >
        {drained ? "Undrain" : "Drain"}
      </button>
      {error !== undefined && (
        <span class="error-text" role="alert" data-testid={TESTID.adminMessage}>
          {error}
        </span>
      )}
    </span>
  );
}
