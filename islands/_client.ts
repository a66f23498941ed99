/**
 * Browser entry: hydrates every server-rendered island on the page with the
 * props the server rendered it with.
 */
import { h, hydrate } from "preact";
import { ISLANDS } from "./_registry.ts";

for (const element of document.querySelectorAll<HTMLElement>("[data-island]")) {
  const name = element.dataset.island ?? "";
  const component = ISLANDS[name];
  if (!component) {
    console.error(`no island named '${name}' in islands/_registry.ts`);
    continue;
  }
  hydrate(h(component, JSON.parse(element.dataset.props ?? "{}")), element);
  element.dataset.hydrated = "true";
}
