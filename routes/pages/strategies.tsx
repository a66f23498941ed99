import type { Service } from "../../engine/runtime/service.ts";
import { Island } from "../../components/Island.tsx";
import StrategyEditor from "../../islands/StrategyEditor.tsx";
import { type PageDeps, renderPage } from "./render.tsx";

/** `/strategies`: stored strategies, their source, and the editor (`?id=` opens one). */
export async function strategiesPage(
  service: PageDeps & Pick<Service, "strategies">,
  selected?: string,
): Promise<string> {
  const strategies = (await service.strategies.list()).map((s) => ({
    id: s.id,
    name: s.name,
    version: s.version,
    source: s.source,
  }));
  const open = strategies.some((s) => s.id === selected) ? selected! : null;
  const builtIns = [...await service.strategies.builtIns()];
  return renderPage(
    service,
    "Strategies",
    <>
      <h1>Strategies</h1>
      <Island
        name="StrategyEditor"
        component={StrategyEditor}
        props={{ strategies, builtIns, selected: open }}
      />
    </>,
  );
}
