import { useEffect, useRef, useState } from "preact/hooks";
import type { StoredStrategy } from "../contract/mod.ts";
import { api, ApiError, type ErrorDetail, errorLines } from "./_api.ts";

/** A stored strategy as the editor shows it. */
export type EditorStrategy = Pick<StoredStrategy, "id" | "name" | "version" | "source">;

/** Serialisable props of {@link StrategyEditor}. */
export interface StrategyEditorProps extends Record<string, unknown> {
  strategies: EditorStrategy[];
  /** Ids of the built-in strategies: read-only, an edited one is saved as a copy. */
  builtIns: string[];
  /** Id of the strategy open at first (none: a new one). */
  selected: string | null;
}

const TEMPLATE = `version: 1
name: my-strategy
timeframe: 1m
indicators:
  fast: { type: EMA, period: 9 }
  slow: { type: EMA, period: 21 }
entry:
  long: { crosses_above: [fast, slow] }
exit:
  long: { crosses_below: [fast, slow] }
sizing: { type: percent_of_equity, value: 25 }
`;

/** Validation runs this long after the last keystroke. */
const DEBOUNCE_MS = 400;

type Check =
  | { state: "idle" | "checking" }
  | { state: "valid"; name: string }
  | { state: "invalid"; errors: readonly ErrorDetail[] };

/**
 * Stored strategies and an editor: pick one to view its source, edit it with
 * live validation (errors with their paths) and save it as a new version (a
 * built-in one as a copy under a new id), or write a new one.
 */
export default function StrategyEditor(props: StrategyEditorProps) {
  const [strategies, setStrategies] = useState(props.strategies);
  const [selected, setSelected] = useState(props.selected);
  const open = strategies.find((s) => s.id === selected) ?? null;
  /** The open strategy is a built-in: saving stores a copy. */
  const builtIn = open !== null && props.builtIns.includes(open.id);
  const [source, setSource] = useState(open?.source ?? TEMPLATE);
  const [newId, setNewId] = useState("");
  const [check, setCheck] = useState<Check>({ state: "idle" });
  const [saveMessage, setSaveMessage] = useState<string | null>(null);
  const [saveErrors, setSaveErrors] = useState<string[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const generation = useRef(0);

  useEffect(() => {
    clearTimeout(timer.current);
    const mine = ++generation.current;
    timer.current = setTimeout(async () => {
      setCheck({ state: "checking" });
      try {
        const answer = await api<{ name: string }>("POST", "/api/strategies/validate", {
          body: { source },
        });
        if (mine === generation.current) setCheck({ state: "valid", name: answer.name });
      } catch (failure) {
        if (mine !== generation.current) return;
        const details = failure instanceof ApiError && failure.details.length > 0
          ? failure.details
          : [{ path: "", message: errorLines(failure).join(" — ") }];
        setCheck({ state: "invalid", errors: details });
      }
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer.current);
  }, [source]);

  const choose = (id: string | null) => {
    setSelected(id);
    setSource(strategies.find((s) => s.id === id)?.source ?? TEMPLATE);
    setNewId("");
    setSaveMessage(null);
    setSaveErrors([]);
    history.replaceState(null, "", id ? `/strategies?id=${encodeURIComponent(id)}` : "/strategies");
  };

  const save = async () => {
    setSaveMessage(null);
    setSaveErrors([]);
    try {
      const stored = open && !builtIn
        ? await api<EditorStrategy>("PUT", `/api/strategies/${open.id}`, { body: source })
        : await api<EditorStrategy>(
          "POST",
          `/api/strategies${newId.trim() ? `?id=${encodeURIComponent(newId.trim())}` : ""}`,
          { body: source },
        );
      setStrategies((list) =>
        [...list.filter((s) => s.id !== stored.id), stored].sort((a, b) => a.id.localeCompare(b.id))
      );
      setSelected(stored.id);
      setNewId("");
      history.replaceState(null, "", `/strategies?id=${encodeURIComponent(stored.id)}`);
      setSaveMessage(`Saved ${stored.id} (version ${stored.version})`);
    } catch (failure) {
      setSaveErrors(errorLines(failure));
    }
  };

  return (
    <div class="strategies">
      <nav class="card strategy-list" data-testid="strategy-list">
        <h2>Stored</h2>
        <ul>
          {strategies.map((s) => (
            <li key={s.id} class={s.id === selected ? "on" : ""}>
              <a
                href={`/strategies?id=${encodeURIComponent(s.id)}`}
                onClick={(e) => {
                  e.preventDefault();
                  choose(s.id);
                }}
              >
                {s.id}
              </a>{" "}
              <span class="muted">v{s.version}</span>
            </li>
          ))}
        </ul>
        <button type="button" onClick={() => choose(null)}>New strategy</button>
      </nav>
      <section class="card editor" data-testid="strategy-editor">
        <header class="chart-head">
          <h2>
            {open ? `${open.id} · v${open.version}` : "New strategy"}
            {builtIn
              ? <span class="muted" data-testid="built-in">&nbsp;· built-in, read-only</span>
              : null}
          </h2>
          <Status check={check} />
        </header>
        <textarea
          name="source"
          spellcheck={false}
          value={source}
          rows={22}
          onInput={(e) => setSource(e.currentTarget.value)}
          data-testid="strategy-source"
        />
        {check.state === "invalid"
          ? (
            <ul class="errors" data-testid="validation-errors">
              {check.errors.map((d, i) => (
                <li key={i}>
                  {d.path ? <code>{d.path}</code> : null} {d.message}
                </li>
              ))}
            </ul>
          )
          : null}
        <div class="row actions">
          {open && !builtIn ? null : (
            <label class="field inline">
              {builtIn ? "Id of the copy" : "Id (optional)"}
              <input
                value={newId}
                placeholder="from the name"
                onInput={(e) => setNewId(e.currentTarget.value)}
              />
            </label>
          )}
          <button type="button" class="primary" onClick={save}>
            {builtIn ? "Save as a copy" : open ? "Save new version" : "Save strategy"}
          </button>
          {saveMessage ? <span class="up" data-testid="saved">{saveMessage}</span> : null}
        </div>
        {saveErrors.length > 0
          ? (
            <ul class="errors" role="alert">
              {saveErrors.map((line, i) => <li key={i}>{line}</li>)}
            </ul>
          )
          : null}
        <p class="muted">
          The DSL is described in{" "}
          <a href="/docs/dsl.md">docs/dsl.md</a>. Start a session with a saved strategy from the
          {" "}
          <a href="/paper_trading">sessions page</a>.
        </p>
      </section>
    </div>
  );
}

function Status({ check }: { check: Check }) {
  switch (check.state) {
    case "checking":
      return <span class="muted" data-testid="validation">checking…</span>;
    case "valid":
      return <span class="up" data-testid="validation">valid ({check.name})</span>;
    case "invalid":
      return (
        <span class="down" data-testid="validation">
          {check.errors.length} problem{check.errors.length === 1 ? "" : "s"}
        </span>
      );
    default:
      return <span class="muted" data-testid="validation"></span>;
  }
}
