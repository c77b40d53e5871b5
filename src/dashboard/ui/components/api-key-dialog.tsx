/** Asks for the API key after a call was refused with 401; saving it retries everything. */
import { useState } from "preact/hooks";
import { refreshCluster } from "../state/cluster.js";
import { apiKey, apiKeyRequired } from "../state/credentials.js";
import { useStore } from "../state/store.js";
import { TESTID } from "../testids.js";

export function ApiKeyDialog() {
  const required = useStore(apiKeyRequired);
  const [value, setValue] = useState("");
  if (required === undefined) return null;
  return (
    <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="api-key-title">
      <form
        class="card dialog"
        data-testid={TESTID.apiKeyDialog}
        onSubmit={(event) => {
          event.preventDefault();
          apiKeyRequired.set(undefined);
          apiKey.set(value.trim());
          void refreshCluster();
        }}
      >
        <h3 id="api-key-title">API key needed</h3>
        <p class="muted small">
          This gateway asks for an API key ({required.message}). It is kept in this browser and sent as{" "}
          <code>Authorization: Bearer</code>.
        </p>
        <input
          class="input"
          type="password"
          autocomplete="off"
          placeholder="API key"
          value={value}
          data-testid={TESTID.apiKeyInput}
          onInput={(event) => setValue(event.currentTarget.value)}
        />
        <div class="form-row">
          <button
            class="btn btn-primary"
            type="submit"
            data-testid={TESTID.apiKeySave}
            disabled={value.trim() === ""}
          >
            Save
          </button>
        </div>
      </form>
    </div>
  );
}
