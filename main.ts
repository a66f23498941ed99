/**
 * The paper trading service: one process running the engine (market hub,
 * session workers, persister) and the web server (REST, SSE, WebSocket,
 * dashboard).
 *
 * Start: `deno task start`. Configuration comes from environment variables
 * (see README).
 */
import { ConfigError, loadConfig } from "./engine/runtime/config.ts";
import { startService } from "./engine/runtime/service.ts";
import { createApp } from "./routes/app.ts";
import { buildIslands } from "./cli/build_islands.ts";
import { startDemoSession } from "./engine/runtime/demo.ts";

/** The Deno release line this project is built and tested with. */
const REQUIRED_DENO = "2.9.";

if (!Deno.version.deno.startsWith(REQUIRED_DENO)) {
  console.error(
    `this service needs Deno ${REQUIRED_DENO}x (found ${Deno.version.deno}); run it with: npx deno@2.9.6 task start`,
  );
  Deno.exit(2);
}

let config;
try {
  config = loadConfig(Deno.env.toObject());
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    Deno.exit(2);
  }
  throw error;
}

await buildIslands();
const service = await startService(config);
if (config.demoSession) await startDemoSession(service);
const app = createApp(service);
const server = Deno.serve({
  hostname: config.host,
  port: config.port,
  onListen: ({ hostname, port }) => {
    const feed = service.feed.status();
    service.log.info(
      `paper trading service on http://${hostname}:${port}/ · database: ${service.db.kind} · feed: ${feed.name}${
        feed.simulated ? " (SIMULATED)" : ""
      }`,
    );
  },
}, app.fetch);

const shutdown = async () => {
  await server.shutdown();
  await service.close();
  Deno.exit(0);
};
Deno.addSignalListener("SIGINT", shutdown);
Deno.addSignalListener("SIGTERM", shutdown);
