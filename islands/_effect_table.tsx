import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { type SessionEffect, useSessionLive } from "./_session_state.ts";

/** How many rows a live effect table keeps. */
const SHOWN = 50;

/** What {@link EffectTable} shows: one kind of session effect, newest first, live. */
export interface EffectTableProps<T extends SessionEffect> {
  session_id: string;
  /** The effect type the table lists. */
  type: T["type"];
  /** The latest effects at render time, newest first. */
  initial: T[];
  title: string;
  testid: string;
  rowTestid: string;
  headers: readonly string[];
  /** Shown in the one row of an empty table. */
  empty: string;
  /** A stable key of one effect among its neighbours. */
  rowKey: (effect: T, index: number) => string;
  /** The cells of one row. */
  cells: (effect: T) => ComponentChildren;
}

/**
 * A card with a table of a session's recent effects of one type (signals,
 * risk events): starts from the rendered ones and prepends each new one that
 * arrives live, keeping the newest {@link SHOWN}.
 */
export function EffectTable<T extends SessionEffect>(props: EffectTableProps<T>) {
  const [effects, setEffects] = useState(props.initial);
  useSessionLive(props.session_id, (message) => {
    if (message.type !== "effect" || message.effect.type !== props.type) return;
    const effect = message.effect as T;
    setEffects((current) => [effect, ...current].slice(0, SHOWN));
  });
  return (
    <section class="card" data-testid={props.testid}>
      <header class="chart-head">
        <h2>{props.title}</h2>
      </header>
      <div class="table-wrap scroll">
        <table>
          <thead>
            <tr>
              {props.headers.map((h) => <th key={h}>{h}</th>)}
            </tr>
          </thead>
          <tbody>
            {effects.length === 0
              ? (
                <tr>
                  <td colSpan={props.headers.length} class="muted">{props.empty}</td>
                </tr>
              )
              : effects.map((e, i) => (
                <tr key={props.rowKey(e, i)} data-testid={props.rowTestid}>{props.cells(e)}</tr>
              ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
