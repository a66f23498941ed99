import { useState } from "preact/hooks";
import { api, errorLines } from "./_api.ts";
import type { SessionSummary } from "./_session_state.ts";

/**
 * Pause / resume / stop buttons of a session (resume also starts a failed
 * session again). Each calls the REST API; the answer (the updated summary)
 * goes to `onChange`, a refusal (409 …) is shown inline with the API's message.
 */
export function SessionControls(
  { id, status, onChange }: {
    id: string;
    status: string;
    onChange: (summary: SessionSummary) => void;
  },
) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const base = `/api/paper_trading/sessions/${id}`;
  const run = async (method: string, path: string) => {
    setBusy(true);
    setError(null);
    try {
      onChange(await api<SessionSummary>(method, path));
    } catch (failure) {
      setError(errorLines(failure).join(" — "));
    } finally {
      setBusy(false);
    }
  };
  const over = status === "stopped";
  return (
    <div class="controls">
      {status === "paused" || status === "failed"
        ? (
          <button type="button" disabled={busy} onClick={() => run("POST", `${base}/resume`)}>
            Resume
          </button>
        )
        : (
          <button
            type="button"
            disabled={busy || over}
            onClick={() => run("POST", `${base}/pause`)}
          >
            Pause
          </button>
        )}
      <button
        type="button"
        class="danger"
        disabled={busy || over}
        onClick={() => run("DELETE", base)}
      >
        Stop
      </button>
      {error ? <span class="inline-error" role="alert">{error}</span> : null}
    </div>
  );
}
