/**
 * Starts the whole service (engine + HTTP server) on a free loopback port for
 * integration tests, on a fresh test database.
 */
import { loadConfig } from "../../engine/runtime/config.ts";
import { type Service, type ServiceOptions, startService } from "../../engine/runtime/service.ts";
import { type AppOptions, createApp } from "../../routes/app.ts";

/** A running service and where to reach it. */
export interface TestServer {
  readonly service: Service;
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Stops the server and the service (the database stays for a restart). */
  stop(): Promise<void>;
}

/** Options of {@link startTestServer}. */
export interface TestServerOptions extends ServiceOptions {
  /** Extra environment variables for the configuration. */
  readonly env?: Record<string, string>;
  /** Open PGlite under this directory (for restart tests) unless `db` is given. */
  readonly dataDir?: string;
  /** Options of the HTTP app (e.g. a short body timeout). */
  readonly app?: AppOptions;
}

/** Starts the service and an HTTP server for it, and restores the sessions stored in its database. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const config = loadConfig({
    FEED: "sim",
    DEMO_SESSION: "false",
    ...(options.dataDir ? { DATA_DIR: options.dataDir } : {}),
    ...options.env,
  });
  const service = await startService(config, {
    memoryDb: !options.dataDir,
    ...options,
  });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    createApp(service, options.app).fetch,
  );
  await service.restore();
  return {
    service,
    url: `http://127.0.0.1:${server.addr.port}`,
    async stop() {
      await server.shutdown();
      await service.close();
    },
  };
}

export { eventually } from "./wait.ts";
