/**
 * The paper trading service: one process running the engine (market hub,
 * session workers, persister) and the web server (REST, SSE, WebSocket,
 * dashboard).
 *
 * Start: `deno task start`. Configuration comes from environment variables
 * (see README). HTTP answers first (503 "starting" until the database and the
 * feed are up); sessions that were running are restored in the background
 * while `/api/health` reports the progress. Failing to start prints one line
 * and exits with code 2.
 */
import { type Config, ConfigError, loadConfig } from "./engine/runtime/config.ts";
import { createLogger } from "./engine/runtime/log.ts";
import { type Service, startService } from "./engine/runtime/service.ts";
import { startupMessage } from "./engine/runtime/startup.ts";
import { settledWithin } from "./engine/runtime/deadline.ts";
import { createApp } from "./routes/app.ts";
import { buildIslands } from "./build/islands.ts";
import { startDemoSession } from "./engine/runtime/demo.ts";

/** The Deno release line this project is built and tested with. */
const REQUIRED_DENO = "2.9.";
/** How long SIGTERM/SIGINT may take before the process exits anyway (exit code 1). */
const SHUTDOWN_DEADLINE_MS = 9_500;
/** How long open HTTP connections (SSE, WebSocket) may take to finish on shutdown. */
const HTTP_DRAIN_MS = 1_000;

if (!Deno.version.deno.startsWith(REQUIRED_DENO)) {
  console.error(
    `this service needs Deno ${REQUIRED_DENO}x (found ${Deno.version.deno}); run it with: npx deno@2.9.6 task start`,
  );
  Deno.exit(2);
}

let config: Config;
try {
  config = loadConfig(Deno.env.toObject());
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    Deno.exit(2);
  }
  throw error;
}
const log = createLogger(config.logLevel);

/** Prints why starting failed, in one line, and exits with code 2. */
function failStart(error: unknown): never {
  console.error(startupMessage(error, config));
  if (error instanceof Error) log.debug(error.stack ?? error.message);
  Deno.exit(2);
}

// Last resort: a failure nobody awaited is logged, never a silent exit.
globalThis.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  const reason = event.reason instanceof Error ? event.reason.stack : String(event.reason);
  log.error(`unhandled rejection (the service keeps running): ${reason}`);
});
globalThis.addEventListener("error", (event) => {
  event.preventDefault();
  log.error(`uncaught error (the service keeps running): ${event.error?.stack ?? event.message}`);
});

let handler = (_request: Request): Response | Promise<Response> =>
  Response.json({ error: "the service is starting; try again in a moment" }, { status: 503 });
let server: Deno.HttpServer;
try {
  server = Deno.serve(
    { hostname: config.host, port: config.port, onListen: () => {} },
    (request) => handler(request),
  );
} catch (error) {
  failStart(error);
}

let service: Service;
try {
  await buildIslands();
  service = await startService(config);
} catch (error) {
  failStart(error);
}
handler = createApp(service).fetch;
const feed = service.feed.status();
log.info(
  `paper trading service on http://${config.host}:${
    (server.addr as Deno.NetAddr).port
  }/ · database: ${service.db.kind} · feed: ${feed.name}${feed.simulated ? " (SIMULATED)" : ""}`,
);

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  const deadline = setTimeout(() => {
    log.error(`shutdown took longer than ${SHUTDOWN_DEADLINE_MS / 1000} s: exiting anyway`);
    Deno.exit(1);
  }, SHUTDOWN_DEADLINE_MS);
  // Live streams never end by themselves: give them a moment, then close everything.
  await settledWithin(server.shutdown(), HTTP_DRAIN_MS);
  await service.close();
  clearTimeout(deadline);
  Deno.exit(0);
}
Deno.addSignalListener("SIGINT", shutdown);
Deno.addSignalListener("SIGTERM", shutdown);

const restored = await service.restore();
if (restored.total > 0) {
  log.info(
    `restored ${restored.restored} of ${restored.total} sessions (${restored.failed} not running)`,
  );
}
if (config.demoSession && !stopping) {
  await startDemoSession(service).catch((error) =>
    log.warn(`demo session not started: ${(error as Error).message}`)
  );
}
