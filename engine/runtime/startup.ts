/**
 * Why the service could not start, in one line a user can act on (no stack
 * trace): an unwritable data directory, an unreachable database, a port in
 * use.
 */
import { unavailableReason } from "../../db/mod.ts";
import type { Config } from "./config.ts";
import { errorText } from "../core/error_text.ts";

/** The service cannot start for a reason the message explains. */
export class StartupError extends Error {
  override name = "StartupError";
}

/** Makes sure `dir` exists and a file can be written in it; throws a {@link StartupError} if not. */
export async function ensureWritableDir(dir: string): Promise<void> {
  const probe = `${dir}/.write_probe_${crypto.randomUUID().slice(0, 8)}`;
  try {
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(probe, "");
    await Deno.remove(probe);
  } catch (error) {
    throw new StartupError(
      `DATA_DIR=${dir} is not a writable directory (${
        (error as Error).message
      }): point DATA_DIR at one the service may write to`,
    );
  }
}

/** One line saying why starting failed, for `config`. */
export function startupMessage(error: unknown, config: Config): string {
  if (error instanceof StartupError) return error.message;
  if (error instanceof Deno.errors.AddrInUse) {
    return `port ${config.port} on ${config.host} is already in use: stop the other service or set PORT`;
  }
  if (error instanceof Deno.errors.AddrNotAvailable) {
    return `cannot listen on ${config.host}: the address is not on this machine (set HOST)`;
  }
  const unavailable = unavailableReason(error);
  if (unavailable !== undefined) {
    return `cannot reach the database at DATABASE_URL: ${unavailable}`;
  }
  const message = errorText(error);
  return `cannot start: ${message.split("\n")[0]}`;
}
