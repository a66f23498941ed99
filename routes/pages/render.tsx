import type { ComponentChildren } from "preact";
import { renderToString } from "preact-render-to-string";
import { Layout } from "../../components/Layout.tsx";
import type { Service } from "../../engine/runtime/service.ts";

/** Renders a full page inside the layout, with the feed banner of the running service. */
export function renderPage(service: Service, title: string, body: ComponentChildren): string {
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
