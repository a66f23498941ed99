/*
 * The C reference of the backtest benchmark: the work of one backtest of
 * strategies/ema_cross.yaml (EMA 9/21 cross on 1-minute candles, long only,
 * 50 % of equity, market orders) over Binance trades, written plainly for
 * this one strategy, to tell how far the engine is from the speed of the data
 * (the `reference_c_*` figures and the `*_vs_c` ratios of bench/backtest.ts).
 * tests/backtest_reference_c.test.ts checks that it gives the engine's fills,
 * round trips and final cash, to the bit.
 *
 * The execution settings are the engine's defaults (engine/core/execution/
 * config.ts: 10,000 USDT, 0.1 % maker and taker fee, 10 bps fixed slippage,
 * no latency, no shorts) with the BTCUSDT filters (tick 0.01, step 0.00001,
 * min notional 5). The work:
 *   - csv mode: reads the file in 4 MiB chunks and parses
 *     `id,price,qty,quote_qty,time,is_buyer_maker,is_best_match` rows byte by
 *     byte (a number as `Number()` reads it: an exact integer mantissa divided
 *     once by an exact power of ten, else strtod; µs times to ms), then drops
 *     what the recording validator drops (ids that are not integers, values
 *     not finite or not positive, duplicate or out-of-order ids, times more
 *     than 5 s back); other lines (a header) are dropped;
 *   - per trade: the engine's trade check, last price, mark to market, the
 *     1-minute candle (buckets on epoch multiples; late trades ignored), the
 *     equity observed for the metrics (1-minute samples: returns, peak,
 *     drawdown) and the two chart series (prices in 1 s buckets, equity in
 *     1-minute buckets, at most 2000 points each, widths doubled as needed);
 *   - per closed candle: both EMAs (TA-Lib seeded: the mean of the first
 *     `period` closes, then k = 2 / (period + 1)), the crossing of fast and
 *     slow, and the rules once the 22 warm-up candles have closed;
 *   - per signal: a market order sized and validated as the session does it
 *     (50 % of equity capped by what free cash pays at the worst fee and
 *     slippage, rounded down to the step, min notional, funds reserved),
 *     filled at once at the last price moved by the slippage and rounded to
 *     the tick against the trader, with its fee, position, average price and
 *     round trip.
 * Left out, because this strategy and data never reach them: resting, stop
 * and bracket orders, shorts and their liquidation, quotes and books, risk
 * limits, cooldowns, and holding back the file's first trade, or one that
 * comes more than an hour after the previous, until the next trade confirms
 * it (for data without such gaps the trades reach the backtest unchanged).
 * Every formula keeps the engine's order of operations, so results match to
 * the bit (x86-64 doubles, no -ffast-math).
 *
 * Build: cc -O2 -o backtest backtest.c -lm
 * Run:   backtest csv FILE [PASSES]     each pass reads, parses and backtests the file
 *        backtest memory FILE [PASSES]  parses the file into arrays once (not timed), runs
 *                                       one unmeasured pass, then backtests the arrays
 * Prints one JSON object: trades (processed), dropped, fills, round_trips,
 * final_cash and pnl (%.17g: every bit) and trades_per_s (one rate per pass).
 */
#define _POSIX_C_SOURCE 199309L
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define INITIAL_CASH 10000.0
#define MAKER_FEE 0.001
#define TAKER_FEE 0.001
#define SLIPPAGE_BPS 10.0
#define SIZING_MARGIN 0.001
#define TICK 0.01
#define STEP 0.00001
#define MIN_NOTIONAL 5.0
#define FAST 9
#define SLOW 21
#define WARMUP (SLOW + 1) /* the slow EMA's inputs, and one candle more for a crossing */
#define SIZING_PERCENT 50.0
#define CANDLE_MS 60000.0
#define EQUITY_MS 60000.0
#define PRICE_CHART_MS 1000.0
#define MAX_BACKWARD_MS 5000.0
#define CHART_POINTS 2000
#define CHUNK (4 << 20)

/* JavaScript's Math.round: the nearest integer, halves up (exact, unlike floor(x + 0.5)). */
static double js_round(double x) {
  double r = floor(x);
  return x - r >= 0.5 ? r + 1 : r;
}

/* The power of ten that makes a tick or step an integer. */
static double scale_of(double step) {
  double scale = 1;
  for (int d = 0; d < 15; d++) {
    double scaled = step * scale;
    if (fabs(scaled - js_round(scaled)) < 1e-9 * fmax(1, scaled)) return scale;
    scale *= 10;
  }
  return scale;
}

static double fix_decimals(double x, double scale) { return js_round(x * scale) / scale + 0.0; }

enum rounding { DOWN, UP };

static double round_to_step(double x, double step, double scale, enum rounding mode) {
  double steps = x / step;
  double n = mode == DOWN ? floor(steps + 1e-9) : ceil(steps - 1e-9);
  return fix_decimals(n * step, scale);
}

/* A chart series: [time, low, high, last] buckets, the last one open. */
struct series {
  double width, bucket;
  /* Times in [from, to) fall in the open bucket (integer ms: exact bounds). */
  double from, to;
  int count;
  double data[CHART_POINTS * 4];
};

static void series_init(struct series *s, double width) {
  s->width = width;
  s->bucket = -INFINITY;
  s->from = INFINITY;
  s->to = -INFINITY;
  s->count = 0;
}

/* Doubles the bucket width and merges neighbouring buckets. */
static void series_compact(struct series *s) {
  double *d = s->data, bucket = -INFINITY;
  int merged = 0;
  s->width *= 2;
  for (int p = 0; p < s->count * 4; p += 4) {
    double b = floor(d[p] / s->width);
    if (b == bucket) {
      double *last = d + (merged - 1) * 4;
      last[0] = d[p];
      last[1] = fmin(last[1], d[p + 1]);
      last[2] = fmax(last[2], d[p + 2]);
      last[3] = d[p + 3];
    } else {
      memmove(d + merged++ * 4, d + p, 4 * sizeof *d);
      bucket = b;
    }
  }
  s->count = merged;
  s->bucket = bucket;
  s->from = bucket * s->width;
  s->to = s->from + s->width;
}

static void series_add(struct series *s, double time, double value) {
  double *d;
  if (!(time >= s->from && time < s->to)) {
    while (s->count >= CHART_POINTS) series_compact(s);
  }
  if (time >= s->from && time < s->to) {
    d = s->data + (s->count - 1) * 4;
    if (value < d[1]) d[1] = value;
    if (value > d[2]) d[2] = value;
  } else {
    s->bucket = floor(time / s->width);
    s->from = s->bucket * s->width;
    s->to = s->from + s->width;
    d = s->data + s->count++ * 4;
    d[1] = d[2] = value;
  }
  d[0] = time;
  d[3] = value;
}

/* An EMA seeded like TA-Lib; `out` is NaN until `period` inputs. */
struct ema {
  int period, count;
  double k, value, out;
};

static void ema_init(struct ema *e, int period) {
  e->period = period;
  e->count = 0;
  e->k = 2.0 / (period + 1);
  e->value = 0;
  e->out = NAN;
}

static void ema_push(struct ema *e, double x) {
  if (e->count >= e->period) {
    e->value += e->k * (x - e->value);
    e->out = e->value;
    return;
  }
  e->value += x;
  if (++e->count < e->period) return;
  e->value /= e->period;
  e->out = e->value;
}

enum signal { NONE, ENTRY, EXIT };
enum side { BUY, SELL };
enum status { FILLED, PARTIAL, REJECTED, CANCELLED };

struct backtest {
  double qty_scale, price_scale;
  /* Account and the symbol's market. */
  double cash, reserved, last, last_time, volume_ref, now;
  long fills, round_trips, unusable;
  double fees, slippage, pnl;
  /* Position (exists from the first order on). */
  int has_pos;
  double pos_q, avg, realized, unrealized, mark;
  double trip_entry_time, trip_entry_qty, trip_entry_value, trip_exit_qty, trip_exit_value;
  double trip_fees, trip_realized;
  int entries;
  /* The forming candle and the last closed one. */
  int forming;
  double open_time, close_time, open, high, low, close, volume, sealed, open_at, close_at, end;
  double bar_close, bar_close_time;
  long candles;
  struct ema fast, slow;
  double prev_a, prev_b, a, b;
  enum signal signal;
  double signal_price;
  /* Metrics: equity observed per trade, sampled per interval. */
  int started, last_exposed;
  double next_boundary, last_equity, last_obs_time, pending_exposed_ms, first_obs_time;
  double samples, exposed_ms, sample_equity, ret_n, ret_mean, ret_m2, down_sq;
  double peak, peak_time, max_drawdown;
  /* The backtest around the session. */
  long events;
  double first_event, last_event;
  struct series prices, equity_chart;
};

static void backtest_init(struct backtest *bt) {
  memset(bt, 0, sizeof *bt);
  bt->qty_scale = scale_of(STEP);
  bt->price_scale = scale_of(TICK);
  bt->cash = INITIAL_CASH;
  bt->open_time = bt->close_time = bt->sealed = bt->open_at = -INFINITY;
  bt->close_at = NAN;
  bt->end = INFINITY;
  bt->bar_close = bt->bar_close_time = NAN;
  ema_init(&bt->fast, FAST);
  ema_init(&bt->slow, SLOW);
  bt->prev_a = bt->prev_b = bt->a = bt->b = NAN;
  bt->sample_equity = bt->peak = INITIAL_CASH;
  series_init(&bt->prices, PRICE_CHART_MS);
  series_init(&bt->equity_chart, EQUITY_MS);
}

/* Records `periods` samples of `equity` ending at `time` (running returns, peak, drawdown). */
static void add_samples(struct backtest *bt, double time, double equity, double periods,
                        double exposed_ms) {
  bt->samples += periods;
  bt->exposed_ms += exposed_ms;
  double r = bt->sample_equity > 0 ? equity / bt->sample_equity - 1 : 0;
  bt->ret_n++;
  double delta = r - bt->ret_mean;
  bt->ret_mean += delta / bt->ret_n;
  bt->ret_m2 += delta * (r - bt->ret_mean);
  if (r < 0) bt->down_sq += r * r;
  if (periods > 1) {
    double zeros = periods - 1, n = bt->ret_n + zeros, d = -bt->ret_mean;
    bt->ret_m2 += d * d * bt->ret_n * zeros / n;
    bt->ret_mean += d * zeros / n;
    bt->ret_n = n;
  }
  bt->sample_equity = equity;
  if (equity >= bt->peak) {
    bt->peak = equity;
    bt->peak_time = time;
  } else if (bt->peak > 0 && (bt->peak - equity) / bt->peak > bt->max_drawdown) {
    bt->max_drawdown = (bt->peak - equity) / bt->peak;
  }
}

/* Observes the equity at `time`: a sample (and chart point) when it passes a boundary. */
static void observe(struct backtest *bt, double time) {
  int exposed = bt->has_pos && bt->pos_q != 0;
  double value = bt->cash;
  if (exposed) value += bt->pos_q * bt->mark;
  if (bt->started && time < bt->next_boundary) {
    bt->pending_exposed_ms += bt->last_exposed ? time - bt->last_obs_time : 0;
  } else if (!bt->started) {
    bt->started = 1;
    bt->next_boundary = (floor(time / EQUITY_MS) + 1) * EQUITY_MS;
    bt->peak_time = bt->next_boundary - EQUITY_MS;
    bt->first_obs_time = time;
    series_add(&bt->equity_chart, time, value); /* the curve starts with the session */
  } else {
    double periods = floor((time - bt->next_boundary) / EQUITY_MS) + 1;
    double at = bt->next_boundary + (periods - 1) * EQUITY_MS;
    int held = bt->last_exposed;
    add_samples(bt, at, bt->last_equity, periods,
                bt->pending_exposed_ms + (held ? at - bt->last_obs_time : 0));
    series_add(&bt->equity_chart, at, bt->last_equity);
    bt->next_boundary = at + EQUITY_MS;
    bt->pending_exposed_ms = held ? time - at : 0;
  }
  bt->last_equity = value;
  bt->last_exposed = exposed;
  bt->last_obs_time = time;
}

/* Quote funds a fill takes from free cash (negative when it frees funds). */
static double funds_needed(const struct backtest *bt, enum side side, double qty, double price,
                           double rate) {
  if (side == BUY) {
    double cover = fmin(qty, fmax(0, -bt->pos_q));
    return qty * price * (1 + rate) - 2 * cover * bt->avg;
  }
  double close = fmin(qty, fmax(0, bt->pos_q));
  return (qty - close) * price * (1 + rate) - close * price * (1 - rate);
}

/* Books a taker fill: cash, fee, position, average price, round trip. */
static void apply_fill(struct backtest *bt, enum side side, double qty, double price,
                       double slippage, double time) {
  double fee = qty * price * TAKER_FEE;
  double dir = side == BUY ? 1 : -1;
  double q0 = bt->pos_q;
  double close_qty = q0 * dir < 0 ? fmin(qty, fabs(q0)) : 0;
  double open_qty = fix_decimals(qty - close_qty, bt->qty_scale);
  double close_fee = fee * close_qty / qty;
  bt->cash += dir == 1 ? -(qty * price + fee) : qty * price - fee;
  bt->fees += fee;
  bt->slippage += slippage;
  bt->fills++;
  if (close_qty > 0) {
    double realized = (price - bt->avg) * close_qty * (q0 > 0 ? 1 : -1);
    bt->realized += realized;
    bt->trip_exit_qty += close_qty;
    bt->trip_exit_value += close_qty * price;
    bt->trip_fees += close_fee;
    bt->trip_realized += realized;
    bt->pos_q = fix_decimals(q0 + dir * close_qty, bt->qty_scale);
    if (bt->pos_q == 0) {
      bt->round_trips++;
      bt->pnl += bt->trip_realized - bt->trip_fees;
      bt->avg = 0;
    }
  }
  if (open_qty > 0) {
    double held = fabs(bt->pos_q);
    if (held == 0) {
      bt->avg = price;
      bt->trip_entry_time = time;
      bt->trip_entry_qty = bt->trip_entry_value = bt->trip_exit_qty = bt->trip_exit_value = 0;
      bt->trip_fees = bt->trip_realized = 0;
    } else {
      bt->avg = (held * bt->avg + open_qty * price) / (held + open_qty);
    }
    bt->trip_entry_qty += open_qty;
    bt->trip_entry_value += open_qty * price;
    bt->trip_fees += fee - close_fee;
    bt->pos_q = fix_decimals(bt->pos_q + dir * open_qty, bt->qty_scale);
  }
  if (bt->mark == 0) bt->mark = price;
  bt->unrealized = bt->pos_q == 0 ? 0 : bt->pos_q * (bt->mark - bt->avg) + 0;
}

/*
 * A market order of `quantity`: validated (step, position, min notional,
 * funds reserved at the worst slippage and fee), then filled at once as taker
 * at the last price moved by the slippage, clipped to free funds; a remainder
 * expires. Returns how the order ended.
 */
static enum status market_order(struct backtest *bt, enum side side, double quantity, int reduce) {
  int buy = side == BUY;
  if (!(quantity > 0) || !isfinite(quantity)) return REJECTED;
  double q = round_to_step(quantity, STEP, bt->qty_scale, DOWN);
  if (q <= 0) return REJECTED;
  if (!bt->has_pos) {
    bt->has_pos = 1;
    bt->mark = bt->last;
  }
  if (reduce) {
    double reducible = buy ? fmax(0, -bt->pos_q) : fmax(0, bt->pos_q);
    if (reducible == 0) return REJECTED;
    q = fmin(q, reducible);
  }
  double ref = buy ? bt->last * (1 + SLIPPAGE_BPS / 10000) : bt->last;
  if (ref == 0) return REJECTED;
  if (ref > 0 && q * ref < MIN_NOTIONAL) return REJECTED;
  double need = ref > 0 ? funds_needed(bt, side, q, ref, fmax(MAKER_FEE, TAKER_FEE)) : 0;
  if (need > bt->cash - bt->reserved && !reduce) return REJECTED;
  double reserved = reduce ? 0 : fmax(0, need);
  bt->reserved += reserved;

  double market = bt->last;
  double qty = fix_decimals(q - 0, bt->qty_scale);
  double raw = market * (buy ? 1 + SLIPPAGE_BPS / 10000 : 1 - SLIPPAGE_BPS / 10000);
  double price = round_to_step(raw, TICK, bt->price_scale, buy ? UP : DOWN);
  if (!(price > 0)) price = TICK;
  enum status status;
  if (reduce) qty = fmin(qty, buy ? fmax(0, -bt->pos_q) : fmax(0, bt->pos_q));
  if (reduce && qty <= 0) {
    status = CANCELLED;
  } else {
    double fill_need = funds_needed(bt, side, qty, price, TAKER_FEE);
    double free = bt->cash - bt->reserved;
    double remaining = fix_decimals(q - 0, bt->qty_scale);
    double share = qty >= remaining ? reserved : reserved * qty / remaining;
    int takes_all = fill_need > free + share && !reduce;
    if (takes_all && fill_need > free + reserved) {
      double clipped =
          round_to_step(qty * (free + reserved) / fill_need, STEP, bt->qty_scale, DOWN);
      qty = clipped > 0 ? clipped : 0;
    }
    if (qty > 0) {
      apply_fill(bt, side, qty, price, fabs(price - market) * qty, bt->now);
      status = fix_decimals(0 + qty, bt->qty_scale) >= q ? FILLED : PARTIAL;
    } else {
      status = REJECTED;
    }
  }
  bt->reserved = 0; /* the order has ended: no order is open */
  return status;
}

/* Cash plus the position at its mark. */
static double equity(const struct backtest *bt) {
  double value = bt->cash;
  if (bt->has_pos && bt->pos_q != 0) value += bt->pos_q * bt->mark;
  return value;
}

/* Turns the signal of the candle just closed into an order. */
static void act(struct backtest *bt) {
  enum signal signal = bt->signal;
  bt->signal = NONE;
  if (bt->candles < WARMUP) return;
  double held = bt->has_pos ? bt->pos_q : 0;
  if (signal == EXIT) {
    if (held <= 0) return;
    market_order(bt, SELL, fabs(held), 1);
    if (bt->entries > 0 && bt->pos_q == 0) bt->entries = 0;
    return;
  }
  double price = bt->signal_price;
  double cost = fmax(price, bt->last);
  double wanted = equity(bt) * SIZING_PERCENT / 100 / price;
  if (!(isfinite(wanted) && wanted > 0)) wanted = 0;
  double unit = cost * (1 + fmax(MAKER_FEE, TAKER_FEE) + SLIPPAGE_BPS / 10000 + SIZING_MARGIN);
  double affordable = cost > 0 && cost < INFINITY ? fmax(0, (bt->cash - bt->reserved) / unit) : 0;
  if (market_order(bt, BUY, fmin(wanted, affordable), 0) != REJECTED) bt->entries++;
}

/* A 1-minute candle has closed: the EMAs, the crossing, the rules. */
static void close_candle(struct backtest *bt) {
  bt->forming = 0;
  bt->close_at = NAN;
  bt->end = INFINITY;
  if (bt->close_time > bt->sealed) bt->sealed = bt->close_time;
  bt->bar_close = bt->close;
  bt->bar_close_time = bt->close_time;
  ema_push(&bt->fast, bt->close);
  ema_push(&bt->slow, bt->close);
  bt->candles++;
  bt->prev_a = bt->a;
  bt->prev_b = bt->b;
  bt->a = bt->fast.out;
  bt->b = bt->slow.out;
  int ready = bt->a == bt->a && bt->b == bt->b;
  int long_held = bt->has_pos && bt->pos_q > 0;
  if (!long_held && ready && bt->prev_a <= bt->prev_b && bt->a > bt->b) {
    bt->signal = ENTRY;
  } else if (long_held && ready && bt->prev_a >= bt->prev_b && bt->a < bt->b) {
    bt->signal = EXIT;
  } else {
    return;
  }
  bt->signal_price = bt->bar_close;
}

/* Folds a trade into the forming candle (late trades are ignored). */
static void fold(struct backtest *bt, double time, double price, double qty) {
  if (time >= bt->close_at && time <= bt->end && time > bt->sealed) {
    if (price > bt->high) bt->high = price;
    if (price < bt->low) bt->low = price;
    bt->close = price;
    bt->close_at = time;
    bt->volume += qty;
    return;
  }
  if (!(time > bt->sealed) || (bt->forming && time < bt->open_time)) return;
  if (!bt->forming) {
    bt->forming = 1;
    bt->open_time = time - fmod(fmod(time, CANDLE_MS) + CANDLE_MS, CANDLE_MS);
    bt->close_time = bt->open_time + CANDLE_MS - 1;
    bt->end = bt->close_time;
    bt->open = bt->high = bt->low = bt->close = price;
    bt->volume = qty;
    bt->open_at = bt->close_at = time;
    return;
  }
  if (time < bt->open_at) {
    bt->open = price;
    bt->open_at = time;
  }
  if (price > bt->high) bt->high = price;
  if (price < bt->low) bt->low = price;
  if (time >= bt->close_at) {
    bt->close = price;
    bt->close_at = time;
  }
  bt->volume += qty;
}

/* One trade through the backtest. */
static void on_trade(struct backtest *bt, double price, double qty, double time) {
  if (bt->events++ == 0) bt->first_event = time;
  bt->last_event = time;
  series_add(&bt->prices, time, price);
  if (!(price > 0 && price < INFINITY && qty >= 0 && qty < INFINITY && isfinite(time))) {
    bt->unusable++;
    return;
  }
  bt->now = time;
  bt->last = price;
  bt->last_time = time;
  bt->volume_ref = bt->volume_ref == 0 ? qty : bt->volume_ref + 0.01 * (qty - bt->volume_ref);
  if (bt->has_pos) {
    bt->mark = price;
    bt->unrealized = bt->pos_q == 0 ? 0 : bt->pos_q * (price - bt->avg) + 0;
  }
  if (bt->end < time) close_candle(bt);
  fold(bt, time, price, qty);
  if (bt->signal != NONE) {
    long fills = bt->fills;
    act(bt);
    if (bt->fills != fills) {
      observe(bt, time);
      series_add(&bt->equity_chart, time, bt->last_equity);
    }
  }
  observe(bt, time);
}

/* Trades in columns, and what the recording validator keeps of a file. */
struct trades {
  double *price, *qty, *time;
  size_t n, cap;
  long dropped;
  double last_id, clock;
};

static const double POW10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* A field `digits[.digits]` at `*p` (moved past it); NAN when it is not one. */
static double decimal(const char **p) {
  const char *s = *p, *start = s;
  uint64_t mantissa = 0;
  int fraction = 0;
  while ((unsigned)(*s - '0') < 10) mantissa = mantissa * 10 + (uint64_t)(*s++ - '0');
  int digits = (int)(s - start);
  if (digits == 0) return NAN;
  if (*s == '.') {
    const char *dot = ++s;
    while ((unsigned)(*s - '0') < 10) mantissa = mantissa * 10 + (uint64_t)(*s++ - '0');
    fraction = (int)(s - dot);
    if (fraction == 0) return NAN;
    digits += fraction;
  }
  *p = s;
  if (digits > 19 || mantissa >= (1ULL << 53) || fraction > 22) return strtod(start, NULL);
  return fraction == 0 ? (double)mantissa : (double)mantissa / POW10[fraction];
}

/* Moves `p` to the next comma or newline of its line. */
static const char *field_end(const char *p) {
  while (*p != ',' && *p != '\n') p++;
  return p;
}

/*
 * The fields of the row at `*at` (which ends with a newline), or 0 when it is
 * not a trade row; `*at` moves as far as the fields were read.
 */
static int row_fields(const char **at, double *id, double *price, double *qty, double *time) {
  const char *p = *at;
  *id = decimal(&p);
  if (*p++ != ',') return 0;
  *price = decimal(&p);
  if (*p++ != ',') return 0;
  *qty = decimal(&p);
  if (*p++ != ',') return 0;
  p = field_end(p); /* quote_qty */
  if (*p++ != ',') return 0;
  double t = decimal(&p);
  if (*p++ != ',') return 0;
  if (p[0] == 't' && p[1] == 'r' && p[2] == 'u' && p[3] == 'e') p += 4;
  else if (p[0] == 'f' && p[1] == 'a' && p[2] == 'l' && p[3] == 's' && p[4] == 'e') p += 5;
  else return 0;
  *at = p;
  if (*p != ',') return 0;
  *time = t > 1e14 ? floor(t / 1000) : t;
  return 1;
}

/*
 * The row at `*at` (which ends with a newline), checked as the recording
 * validator checks it; `*at` moves to the next line. Returns whether it is kept.
 */
static int parse_row(const char **at, struct trades *out, double *price, double *qty,
                     double *time) {
  double id;
  int row = row_fields(at, &id, price, qty, time);
  const char *p = *at;
  while (*p != '\n') p++; /* is_best_match, or the rest of a line that is not a trade */
  *at = p + 1;
  if (!row) return 0;
  if (!(id == floor(id) && isfinite(id) && isfinite(*price) && isfinite(*qty) && isfinite(*time))) {
    return 0;
  }
  if (!(*price > 0 && *qty > 0)) return 0;
  if (*time < out->clock - MAX_BACKWARD_MS || id <= out->last_id) return 0;
  out->last_id = id;
  if (*time > out->clock) out->clock = *time;
  return 1;
}

/*
 * Reads a trades CSV in chunks; each valid row goes to the backtest (`bt`)
 * or into the columns (`bt` NULL). Returns 0 when the file cannot be read.
 */
static int read_csv(const char *path, struct trades *out, struct backtest *bt) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return 0;
  char *buf = malloc(CHUNK + 1);
  size_t have = 0;
  out->dropped = 0;
  out->last_id = -INFINITY;
  out->clock = -INFINITY;
  for (;;) {
    ssize_t got = read(fd, buf + have, CHUNK - have);
    if (got < 0) return close(fd), free(buf), 0;
    have += (size_t)got;
    size_t usable = have;
    if (got == 0) {
      if (have == 0) break;
      if (buf[have - 1] != '\n') buf[have++] = '\n';
      usable = have;
    } else {
      while (usable > 0 && buf[usable - 1] != '\n') usable--;
      if (usable == 0 && have < CHUNK) continue;
      if (usable == 0) return close(fd), free(buf), 0; /* a line longer than a chunk */
    }
    const char *p = buf, *stop = buf + usable;
    while (p < stop) {
      double price = 0, qty = 0, time = 0;
      if (parse_row(&p, out, &price, &qty, &time)) {
        if (bt) {
          on_trade(bt, price, qty, time);
        } else {
          if (out->n == out->cap) {
            out->cap = out->cap ? out->cap * 2 : 1 << 20;
            out->price = realloc(out->price, out->cap * sizeof(double));
            out->qty = realloc(out->qty, out->cap * sizeof(double));
            out->time = realloc(out->time, out->cap * sizeof(double));
          }
          out->price[out->n] = price;
          out->qty[out->n] = qty;
          out->time[out->n++] = time;
        }
      } else {
        out->dropped++;
      }
    }
    memmove(buf, buf + usable, have - usable);
    have -= usable;
    if (got == 0) break;
  }
  close(fd);
  free(buf);
  return 1;
}

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  int memory = argc >= 3 && strcmp(argv[1], "memory") == 0;
  int passes = argc >= 4 ? atoi(argv[3]) : 1;
  if (argc < 3 || (!memory && strcmp(argv[1], "csv") != 0) || passes < 1) {
    fprintf(stderr, "usage: %s csv|memory FILE [PASSES]\n", argv[0]);
    return 2;
  }
  static struct backtest bt;
  struct trades trades = {0};
  double *rates = malloc((size_t)passes * sizeof *rates);
  if (memory && !read_csv(argv[2], &trades, NULL)) {
    perror(argv[2]);
    return 1;
  }
  for (int pass = memory ? -1 : 0; pass < passes; pass++) {
    backtest_init(&bt);
    double started = seconds();
    if (!memory) {
      if (!read_csv(argv[2], &trades, &bt)) {
        perror(argv[2]);
        return 1;
      }
    } else {
      for (size_t i = 0; i < trades.n; i++) {
        on_trade(&bt, trades.price[i], trades.qty[i], trades.time[i]);
      }
    }
    double elapsed = seconds() - started;
    if (pass >= 0) rates[pass] = bt.events / elapsed;
  }
  printf("{\"mode\":\"%s\",\"trades\":%ld,\"dropped\":%ld,\"fills\":%ld,\"round_trips\":%ld,"
         "\"final_cash\":%.17g,\"pnl\":%.17g,\"trades_per_s\":[",
         memory ? "memory" : "csv", bt.events, trades.dropped + bt.unusable, bt.fills,
         bt.round_trips, bt.cash, bt.pnl);
  for (int i = 0; i < passes; i++) printf("%s%.17g", i ? "," : "", rates[i]);
  printf("]}\n");
  return 0;
}
