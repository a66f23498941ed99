/**
 * Every island the client script can hydrate, by name.
 */
import type { ComponentType } from "preact";
import LiveTicker from "./LiveTicker.tsx";
import SessionCard from "./SessionCard.tsx";

// deno-lint-ignore no-explicit-any
export const ISLANDS: Record<string, ComponentType<any>> = { LiveTicker, SessionCard };
