import { useState } from "preact/hooks";
import { api, errorLines } from "./_api.ts";

/** Serialisable props of {@link DataFileField}. */
export interface DataFileFieldProps extends Record<string, unknown> {
  /** Recordings in the backtest directory, relative to it (suggested while typing). */
  files: string[];
}

/**
 * The backtest form's data field: a recording of the backtest directory,
 * typed or picked from the suggestions, or a local file uploaded at once to
 * `POST /api/backtests/data` (streamed, not held in the page), whose stored
 * name then fills the field.
 */
export default function DataFileField(props: DataFileFieldProps) {
  const [data, setData] = useState("");
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ error: boolean; lines: string[] }>();

  const upload = async (event: Event) => {
    const file = (event.currentTarget as HTMLInputElement).files?.[0];
    if (!file) return;
    setBusy(true);
    setNote({ error: false, lines: [`Uploading ${file.name}…`] });
    try {
      const path = `/api/backtests/data?name=${encodeURIComponent(file.name)}`;
      const stored = await api<{ data: string }>("POST", path, { body: file });
      setData(stored.data);
      setNote({ error: false, lines: [`Uploaded as ${stored.data}`] });
    } catch (failure) {
      setNote({ error: true, lines: errorLines(failure) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <label>
        Data file{" "}
        <input
          name="data"
          list="data-files"
          required
          value={data}
          onInput={(event) => setData((event.currentTarget as HTMLInputElement).value)}
          placeholder="BTCUSDT-1m-2025-01-01.csv"
        />
        <datalist id="data-files">{props.files.map((f) => <option key={f} value={f} />)}</datalist>
      </label>
      <label>
        Or upload one{" "}
        <input
          type="file"
          accept=".jsonl,.csv,.gz"
          disabled={busy}
          onChange={upload}
          data-testid="data-upload"
        />
      </label>
      {note
        ? (
          <p class={note.error ? "error" : "muted"} data-testid="data-upload-note">
            {note.lines.join(" · ")}
          </p>
        )
        : null}
    </>
  );
}
