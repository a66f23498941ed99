import type { ComponentChildren } from "preact";
import { renderToString } from "preact-render-to-string";
import { Layout } from "../../components/Layout.tsx";
import type { Service } from "../../engine/runtime/service.ts";

/** What every page needs: the feed (its banner) and the configuration. */
export type PageDeps = Pick<Service, "feed" | "config">;

/** Renders a full page inside the layout, with the feed banner of the running service. */
export function renderPage(service: PageDeps, title: string, body: ComponentChildren): string {
  const feed = service.feed.status();
  return "<!doctype html>" + renderToString(
    <Layout
      title={title}
      feed={{ name: feed.name, simulated: feed.simulated, reason: feed.reason }}
      logout={service.config.apiToken !== undefined}
    >
      {body}
    </Layout>,
  );
}
