/**
 * The bound on live connections: WebSockets and SSE streams hold a
 * connection, subscriptions and a send buffer each for as long as the client
 * stays, so a node holds at most `MAX_LIVE_CONNECTIONS` of them, counted
 * together, and refuses more with 503.
 */
import { ServiceUnavailableError } from "./errors.ts";

/** The live connections a node holds, up to its cap. */
export class LiveConnections {
  #open = 0;

  /** @param max the most held at once (`MAX_LIVE_CONNECTIONS`). */
  constructor(readonly max: number) {}

  /** Connections held now. */
  get open(): number {
    return this.#open;
  }

  /**
   * Takes a place for one connection, or throws a {@link ServiceUnavailableError}
   * (503) when all {@link max} are held. Returns what gives the place back:
   * call it when the connection closes, fails or is aborted; calls after the
   * first do nothing.
   */
  take(): () => void {
    if (this.#open >= this.max) {
      throw new ServiceUnavailableError(
        `this node holds its maximum of ${this.max} live connections (WebSocket and SSE streams, ` +
          `MAX_LIVE_CONNECTIONS); try again later`,
      );
    }
    this.#open++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.#open--;
    };
  }
}
