import { useState } from "preact/hooks";
import { api, errorLines } from "./_api.ts";
import type { SessionSummary } from "./_session_state.ts";

/**
 * One REST action of a control: `run` calls the API and hands the answer to
 * `onDone`; while it runs `busy` is true, a refusal (409, 422 …) becomes
 * `error` with the API's message and details, shown inline by the caller.
 */
export function useAction<T>(onDone: (answer: T) => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (method: string, path: string, body?: unknown) => {
    setBusy(true);
    setError(null);
    try {
      onDone(await api<T>(method, path, { body }));
    } catch (failure) {
      setError(errorLines(failure).join(" — "));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

/** An action's refusal, next to its buttons. */
export function InlineError({ error }: { error: string | null }) {
  return error ? <span class="inline-error" role="alert">{error}</span> : null;
}

/**
 * Pause / resume / stop buttons of a session (resume also starts a failed
 * session again) and, while a position is open, "Close position" (force exit
 * at market). Each calls the REST API; the answer (the updated summary)
 * goes to `onChange`, a refusal (409 …) is shown inline with the API's message.
 */
export function SessionControls(
  { id, status, flat, onChange }: {
    id: string;
    status: string;
    flat: boolean;
    onChange: (summary: SessionSummary) => void;
  },
) {
  const { busy, error, run } = useAction(onChange);
  const base = `/api/paper_trading/sessions/${id}`;
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
      {flat ? null : (
        <button
          type="button"
          disabled={busy || over || status === "failed"}
          onClick={() => run("POST", `${base}/close`)}
        >
          Close position
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
      <InlineError error={error} />
    </div>
  );
}
