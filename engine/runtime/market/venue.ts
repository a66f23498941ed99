/**
 * Venue-qualified symbols: `okx:BTC/USDT` names a pair on a venue reached
 * through the exchange library (`ccxt_feed.ts`); a bare `BTCUSDT` keeps
 * meaning Binance spot (the fast adapter, `binance_feed.ts`).
 */

/** A symbol split into its venue and the venue's own pair name. */
export interface VenueSymbol {
  /** Lower-case venue id (`binance`, `okx`, …). */
  readonly venue: string;
  /** The pair: `BTC/USDT` for ccxt venues, `BTCUSDT` for bare Binance symbols. */
  readonly pair: string;
  /** The canonical symbol events carry, upper-case like every symbol (`OKX:BTC/USDT`, `BTCUSDT`). */
  readonly symbol: string;
}

const QUALIFIED = /^([a-z][a-z0-9]{1,30}):([A-Z0-9]{1,20})\/([A-Z0-9]{1,20})$/i;
const BARE = /^[A-Z0-9]{2,30}$/i;

/**
 * Parses `venue:BASE/QUOTE` (any case) or a bare Binance symbol; undefined
 * for anything else. The venue id is lower-case (the exchange library's), the
 * symbol upper-case.
 */
export function parseVenueSymbol(text: string): VenueSymbol | undefined {
  const qualified = QUALIFIED.exec(text);
  if (qualified) {
    const venue = qualified[1].toLowerCase();
    const pair = `${qualified[2]}/${qualified[3]}`.toUpperCase();
    return { venue, pair, symbol: `${venue.toUpperCase()}:${pair}` };
  }
  if (BARE.test(text)) {
    const symbol = text.toUpperCase();
    return { venue: "binance", pair: symbol, symbol };
  }
  return undefined;
}
