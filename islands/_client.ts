/**
 * Browser entry: hydrates every server-rendered island on the page.
 */
import { h, hydrate } from "preact";
import { ISLANDS } from "./_registry.ts";

for (const element of document.querySelectorAll<HTMLElement>("[data-island]")) {
  const component = ISLANDS[element.dataset.island ?? ""];
  if (!component) {
    console.warn(`no island named '${element.dataset.island}'`);
    continue;
  }
  const props = JSON.parse(element.dataset.props ?? "{}");
  hydrate(h(component, props), element);
}
