/**
 * Every island the client script can hydrate, by name (the `name` given to
 * `components/Island.tsx`).
 */
import type { ComponentType } from "preact";
import DataFileField from "./DataFileField.tsx";
import DepthView from "./DepthView.tsx";
import EquityChart from "./EquityChart.tsx";
import FillsTable from "./FillsTable.tsx";
import LiveTicker from "./LiveTicker.tsx";
import NewSessionForm from "./NewSessionForm.tsx";
import PriceChart from "./PriceChart.tsx";
import RiskAudit from "./RiskAudit.tsx";
import SessionList from "./SessionList.tsx";
import SessionPanel from "./SessionPanel.tsx";
import SignalsTable from "./SignalsTable.tsx";
import StrategyEditor from "./StrategyEditor.tsx";

/** Island components by name. */
// deno-lint-ignore no-explicit-any
export const ISLANDS: Record<string, ComponentType<any>> = {
  DataFileField,
  DepthView,
  EquityChart,
  FillsTable,
  LiveTicker,
  NewSessionForm,
  PriceChart,
  RiskAudit,
  SessionList,
  SessionPanel,
  SignalsTable,
  StrategyEditor,
};
