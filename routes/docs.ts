/**
 * `/docs/NAME.md`: the reference documents in `docs/` (such as the DSL
 * reference the strategy editor links to), served as Markdown text.
 */
import { Hono } from "hono";

const DOCS_DIR = new URL("../docs/", import.meta.url);

/** Serves `docs/*.md`; any other name is not found. */
export function docsRoutes(): Hono {
  const app = new Hono();
  app.get("/:file{[a-z_]+\\.md}", async (c) => {
    try {
      const text = await Deno.readTextFile(new URL(c.req.param("file"), DOCS_DIR));
      return c.body(text, 200, { "content-type": "text/markdown; charset=utf-8" });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return c.notFound();
      throw error;
    }
  });
  return app;
}
