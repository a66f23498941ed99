import type { ComponentChildren } from "preact";

/** Feed label shown on every page. */
export interface FeedBanner {
  readonly name: string;
  readonly simulated: boolean;
  readonly reason?: string;
}

/**
 * Page frame: header with navigation, the feed banner, content, and the island
 * script. Without `feed` (the login page) it shows the brand only; `logout`
 * adds a log-out button (when the service asks for a token).
 */
export function Layout(
  { title, feed, logout, children }: {
    title: string;
    feed?: FeedBanner;
    logout?: boolean;
    children: ComponentChildren;
  },
) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title} · Paper Trader</title>
        <link rel="stylesheet" href="/static/style.css" />
        <link rel="icon" href="data:," />
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/">Paper Trader</a>
          {feed
            ? (
              <>
                <nav>
                  <a href="/paper_trading">Sessions</a>
                  <a href="/strategies">Strategies</a>
                  <a href="/backtests">Backtests</a>
                  <a href="/alerts">Alerts</a>
                  <a href="/api/docs">API</a>
                  {logout
                    ? (
                      <form method="post" action="/logout" class="logout">
                        <button type="submit">Log out</button>
                      </form>
                    )
                    : null}
                </nav>
                <span
                  class={feed.simulated ? "feed simulated" : "feed live"}
                  title={feed.reason ?? ""}
                  data-testid="feed-banner"
                >
                  {feed.simulated ? "SIMULATED DATA" : "LIVE DATA"} · {feed.name}
                </span>
              </>
            )
            : null}
        </header>
        {feed?.reason ? <p class="feed-reason">{feed.reason}</p> : null}
        <main>{children}</main>
        <script type="module" src="/static/build/islands.js"></script>
      </body>
    </html>
  );
}
