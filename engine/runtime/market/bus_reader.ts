/**
 * One thread's reading end of the market bus, shared by every
 * {@link BusSubscriber} of that thread (all the sessions a worker hosts): per
 * symbol it waits on the hub's ring once, and reads and decodes each batch
 * once, handing the same events to every subscriber due for that batch. Each
 * subscriber keeps its own position (it may start behind the others, or be
 * recovering batches it missed): a batch goes to a subscriber exactly when
 * it is that subscriber's next one, so each gets exactly its batches, in
 * order, once. The hub's heartbeat in the ring is watched once per symbol
 * too. The events are shared: no subscriber may change them.
 */
import type { BusEvent } from "./bus.ts";
import { BusRingReader } from "./bus_ring.ts";

/** How long one wait for the ring lasts before it is renewed (also bounds a missed wake-up). */
const WAIT_MS = 1_000;

/** One subscriber's place in one symbol's batches, as the reader sees it. */
export interface BusTap {
  /** Next seq this subscriber takes. */
  readonly next: number;
  /** True while it waits for batches it missed (it takes nothing from the ring meanwhile). */
  readonly recovering: boolean;
  /** Takes batch `seq` (its next one). */
  deliver(events: readonly BusEvent[], seq: number): void;
  /** Its next batch `from` is overwritten in the ring; `to` is the newest published. */
  overrun(from: number, to: number): void;
  /** After the batches available at once were delivered to it. */
  drained(): void;
  /** The hub's heartbeat has stood still for `silentMs` (0: it just moved). */
  heartbeat(silentMs: number): void;
}

interface Channel {
  readonly symbol: string;
  readonly ring: BusRingReader;
  readonly taps: Set<BusTap>;
  /** The hub's heartbeat counter when last seen, and when (`performance.now()`) it last moved. */
  beats: number;
  beatAt: number;
  /** A wait for the ring is pending. */
  waiting: boolean;
}

/** Reads each symbol's ring once per thread for all its subscribers (see the module doc). */
export class BusReader {
  /** Batches read and decoded from the rings (each once, however many subscribers take it). */
  readonly stats = { batches: 0 };
  readonly #channels = new Map<string, Channel>();

  /** Adds a subscriber's tap on `symbol` (served from the next turn on). */
  join(symbol: string, buffer: SharedArrayBuffer, tap: BusTap): void {
    let channel = this.#channels.get(symbol);
    if (!channel) {
      const ring = new BusRingReader(buffer, symbol);
      channel = {
        symbol,
        ring,
        taps: new Set(),
        beats: ring.beats(),
        beatAt: performance.now(),
        waiting: false,
      };
      this.#channels.set(symbol, channel);
    }
    channel.taps.add(tap);
    this.#schedule(symbol);
  }

  /** The newest published seq of `symbol`'s ring (a subscriber without a start point starts after it). */
  published(symbol: string, buffer: SharedArrayBuffer): number {
    return (this.#channels.get(symbol)?.ring ?? new BusRingReader(buffer, symbol)).published();
  }

  /** Removes a tap; a symbol left without any stops being read. */
  leave(symbol: string, tap: BusTap): void {
    const channel = this.#channels.get(symbol);
    if (!channel?.taps.delete(tap) || channel.taps.size > 0) return;
    this.#channels.delete(symbol);
    if (channel.waiting) channel.ring.wake();
  }

  /** Reads `symbol`'s ring in a coming turn (a tap joined, or ended its recovery). */
  #schedule(symbol: string): void {
    // Not at once: the caller gets to finish its own setup first.
    queueMicrotask(() => this.pump(symbol));
  }

  /** Delivers every batch published that some tap of `symbol` is due for, then waits for the next one. */
  pump(symbol: string): void {
    const channel = this.#channels.get(symbol);
    if (!channel) return;
    this.#watchHub(channel);
    const published = channel.ring.published();
    const served = new Set<BusTap>();
    for (;;) {
      let seq = Infinity;
      for (const tap of channel.taps) if (!tap.recovering && tap.next < seq) seq = tap.next;
      if (seq > published) break;
      const events = channel.ring.read(seq);
      if (events !== undefined) this.stats.batches++;
      for (const tap of channel.taps) {
        if (tap.recovering || tap.next !== seq) continue;
        if (events === undefined) tap.overrun(seq, published);
        else {
          tap.deliver(events, seq);
          served.add(tap);
        }
      }
    }
    for (const tap of served) if (channel.taps.has(tap)) tap.drained();
    this.#wait(channel, published);
  }

  /** Tells the taps how long the hub's heartbeat has stood still. */
  #watchHub(channel: Channel): void {
    const beats = channel.ring.beats();
    const now = performance.now();
    if (beats !== channel.beats) {
      channel.beats = beats;
      channel.beatAt = now;
    }
    for (const tap of channel.taps) tap.heartbeat(now - channel.beatAt);
  }

  /** Waits for a batch after `published` (the newest one seen). */
  #wait(channel: Channel, published: number): void {
    if (channel.waiting || this.#channels.get(channel.symbol) !== channel) return;
    channel.waiting = true;
    channel.ring.wait(published, WAIT_MS).then(() => {
      channel.waiting = false;
      this.pump(channel.symbol);
    });
  }
}
