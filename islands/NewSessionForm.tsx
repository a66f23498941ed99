import { DEFAULT_INITIAL_CAPITAL, MIN_INITIAL_CAPITAL } from "../contract/mod.ts";
import { useState } from "preact/hooks";
import { api, errorLines } from "./_api.ts";
import type { SessionSummary } from "./_session_state.ts";
import { SESSION_CREATED } from "./SessionList.tsx";

/** Serialisable props of {@link NewSessionForm}. */
export interface NewSessionFormProps extends Record<string, unknown> {
  /** Stored strategies to pick from. */
  strategies: { id: string; name: string }[];
  /** Symbols the service trades. */
  symbols: string[];
  /** Strategy selected at first. */
  selected?: string;
}

/** Hint shown in the empty strategy textarea. */
const PLACEHOLDER = "version: 1\nname: my-strategy\ntimeframe: 1m\n…";

/** Reads an optional percentage field as a fraction (`0.1` % → 0.001). */
function fraction(text: string): number | undefined {
  return text.trim() === "" ? undefined : Number(text) / 100;
}

/**
 * Starts a paper trading session: a stored strategy or a pasted DSL document,
 * a symbol, the initial capital and optional fees and slippage. The API's
 * validation errors are listed inline with their paths; a created session is
 * announced to the session list on the page.
 */
export default function NewSessionForm(props: NewSessionFormProps) {
  const [mode, setMode] = useState<"stored" | "paste">("stored");
  const [strategy, setStrategy] = useState(props.selected ?? props.strategies[0]?.id ?? "");
  const [source, setSource] = useState("");
  const [symbol, setSymbol] = useState(props.symbols[0] ?? "");
  const [capital, setCapital] = useState(String(DEFAULT_INITIAL_CAPITAL));
  const [name, setName] = useState("");
  const [takerFee, setTakerFee] = useState("");
  const [makerFee, setMakerFee] = useState("");
  const [slippage, setSlippage] = useState("");
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<string[]>([]);
  const [created, setCreated] = useState<SessionSummary | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setErrors([]);
    setCreated(null);
    const fees = { taker: fraction(takerFee), maker: fraction(makerFee) };
    const body = {
      strategy: mode === "stored" ? strategy : source,
      symbol,
      initial_capital: Number(capital),
      ...(name.trim() ? { name: name.trim() } : {}),
      ...(fees.taker !== undefined || fees.maker !== undefined ? { fees } : {}),
      ...(slippage.trim() ? { slippage: { model: "fixed", bps: Number(slippage) } } : {}),
    };
    try {
      const summary = await api<SessionSummary>("POST", "/api/paper_trading/sessions", { body });
      setCreated(summary);
      dispatchEvent(new CustomEvent(SESSION_CREATED, { detail: summary }));
    } catch (failure) {
      setErrors(errorLines(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card new-session" onSubmit={submit} data-testid="new-session-form">
      <h2>New session</h2>
      <fieldset class="mode">
        <label>
          <input
            type="radio"
            name="mode"
            checked={mode === "stored"}
            onChange={() => setMode("stored")}
          />{" "}
          Stored strategy
        </label>
        <label>
          <input
            type="radio"
            name="mode"
            checked={mode === "paste"}
            onChange={() => setMode("paste")}
            data-testid="mode-paste"
          />{" "}
          Paste a strategy
        </label>
      </fieldset>
      {mode === "stored"
        ? (
          <label class="field">
            Strategy
            <select
              name="strategy"
              value={strategy}
              onChange={(e) => setStrategy(e.currentTarget.value)}
            >
              {props.strategies.map((s) => (
                <option key={s.id} value={s.id}>{s.id} ({s.name})</option>
              ))}
            </select>
          </label>
        )
        : (
          <label class="field">
            Strategy document (YAML or JSON)
            <textarea
              name="source"
              value={source}
              rows={10}
              placeholder={PLACEHOLDER}
              onInput={(e) => setSource(e.currentTarget.value)}
            />
          </label>
        )}
      <div class="row">
        <label class="field">
          Symbol
          <select name="symbol" value={symbol} onChange={(e) => setSymbol(e.currentTarget.value)}>
            {props.symbols.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        <label class="field">
          Initial capital
          <input
            name="initial_capital"
            type="number"
            min={MIN_INITIAL_CAPITAL}
            step="any"
            value={capital}
            onInput={(e) => setCapital(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          Name (optional)
          <input name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
      </div>
      <details>
        <summary>Fees and slippage (optional)</summary>
        <div class="row">
          <label class="field">
            Taker fee %
            <input
              name="taker_fee"
              type="number"
              step="any"
              min="0"
              placeholder="0.1"
              value={takerFee}
              onInput={(e) => setTakerFee(e.currentTarget.value)}
            />
          </label>
          <label class="field">
            Maker fee %
            <input
              name="maker_fee"
              type="number"
              step="any"
              min="0"
              placeholder="0.1"
              value={makerFee}
              onInput={(e) => setMakerFee(e.currentTarget.value)}
            />
          </label>
          <label class="field">
            Slippage (bps)
            <input
              name="slippage_bps"
              type="number"
              step="any"
              min="0"
              placeholder="1"
              value={slippage}
              onInput={(e) => setSlippage(e.currentTarget.value)}
            />
          </label>
        </div>
      </details>
      <div class="row actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Starting…" : "Start session"}
        </button>
        {created
          ? (
            <span data-testid="created">
              Started <a href={`/paper_trading/${created.id}`}>{created.name}</a>
            </span>
          )
          : null}
      </div>
      {errors.length > 0
        ? (
          <ul class="errors" role="alert" data-testid="form-errors">
            {errors.map((line, i) => <li key={i}>{line}</li>)}
          </ul>
        )
        : null}
    </form>
  );
}
