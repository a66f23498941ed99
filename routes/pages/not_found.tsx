import { type PageDeps, renderPage } from "./render.tsx";

/** The dashboard's 404 page. */
export function notFoundPage(service: PageDeps, message: string): string {
  return renderPage(
    service,
    "Not found",
    <section class="card not-found" data-testid="not-found">
      <h1>Not found</h1>
      <p>{message}</p>
      <p>
        <a href="/paper_trading">Back to the sessions</a>
      </p>
    </section>,
  );
}
