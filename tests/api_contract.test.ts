/**
 * The API contract holds: every operation of the table is served and every
 * API route is in the table; the OpenAPI document states the bounds the
 * routes enforce (a request at a documented maximum passes validation, one
 * past it is a 400); the contract the dashboard imports bundles without zod.
 */
import assert from "node:assert/strict";
import { SESSION_LIST_LIMIT } from "../contract/mod.ts";
import { type Operation, OPERATIONS } from "../contract/operations.ts";
import { loadConfig } from "../engine/runtime/config.ts";
import { startService } from "../engine/runtime/service.ts";
import { honoPath } from "../routes/api/operation.ts";
import { createApp } from "../routes/app.ts";

const service = await startService(loadConfig({ FEED: "sim", DEMO_SESSION: "false" }), {
  memoryDb: true,
});
const app = createApp(service);
/** Routes that describe the API rather than being part of it. */
const DESCRIPTION = ["/api/openapi.json", "/api/docs"];

// deno-lint-ignore no-explicit-any
type Json = any;

async function get(path: string): Promise<{ status: number; body: Json }> {
  const response = await app.request(path);
  return { status: response.status, body: await response.json().catch(() => undefined) };
}

Deno.test("api contract", async (t) => {
  try {
    await t.step("every operation is served, every API route is an operation", () => {
      const served = new Set(
        app.routes.filter((r) => r.method !== "ALL" && r.path.startsWith("/api"))
          .map((r) => `${r.method} ${r.path}`),
      );
      const operations = new Set(
        (Object.values(OPERATIONS) as Operation[]).map((o) =>
          `${o.method.toUpperCase()} ${honoPath(o)}`
        ),
      );
      for (const route of DESCRIPTION) assert.ok(served.delete(`GET ${route}`), route);
      assert.deepEqual(
        [...served].filter((r) => !operations.has(r)),
        [],
        "routes not in the table",
      );
      assert.deepEqual([...operations].filter((o) => !served.has(o)), [], "operations not served");
    });

    await t.step("the document states the session list limit the route enforces", async () => {
      const document = (await get("/api/openapi.json")).body;
      const limit = document.paths["/api/paper_trading/sessions"].get.parameters
        .find((p: Json) => p.name === "limit");
      assert.equal(limit.schema.maximum, SESSION_LIST_LIMIT.max);
      const atMax = await get(`/api/paper_trading/sessions?limit=${limit.schema.maximum}`);
      assert.equal(atMax.status, 200);
      assert.equal(atMax.body.limit, limit.schema.maximum);
      const past = await get(`/api/paper_trading/sessions?limit=${limit.schema.maximum + 1}`);
      assert.equal(past.status, 400);
      assert.equal(past.body.error, "invalid query parameter 'limit'");
    });

    await t.step("every documented integer bound is the one enforced", async () => {
      const document = (await get("/api/openapi.json")).body;
      let checked = 0;
      for (const [template, methods] of Object.entries<Json>(document.paths)) {
        const path = template.replace("{symbol}", "BTCUSDT")
          .replace("{id}", "00000000-0000-4000-8000-000000000000");
        for (const parameter of methods.get?.parameters ?? []) {
          if (parameter.in !== "query" || parameter.schema.type !== "integer") continue;
          const { name, schema: { minimum, maximum } } = parameter;
          for (const ok of [minimum, maximum]) {
            const answer = await get(`${path}?${name}=${ok}`);
            assert.notEqual(answer.status, 400, `${path}?${name}=${ok}: ${answer.body?.error}`);
          }
          for (const bad of [minimum - 1, maximum + 1]) {
            const answer = await get(`${path}?${name}=${bad}`);
            assert.equal(answer.status, 400, `${path}?${name}=${bad}`);
            assert.equal(answer.body.details[0].path, name);
          }
          checked++;
        }
      }
      assert.ok(checked >= 12, `only ${checked} integer parameters documented`);
    });

    await t.step("the contract the dashboard imports bundles without zod", async () => {
      const bundle = async (file: string) => {
        const output = await new Deno.Command(Deno.execPath(), {
          args: ["bundle", "--quiet", "--platform", "browser", file],
          cwd: new URL("..", import.meta.url),
          stdout: "piped",
        }).output();
        assert.ok(output.success, `bundling ${file}`);
        return new TextDecoder().decode(output.stdout);
      };
      const contract = await bundle("contract/mod.ts");
      assert.match(contract, /ApiError = class/);
      assert.doesNotMatch(contract, /zod/i);
      // The check can fail: the request schemas do bundle zod.
      assert.match(await bundle("contract/schemas.ts"), /zod/i);
    });
  } finally {
    await service.close();
  }
});
