/** A progress bar on stderr for long local commands, drawn only on a terminal. */

/** Draws the share done (0..1) as a bar on stderr; undefined when stderr is not a terminal. */
export function progressBar(): ((fraction: number) => void) | undefined {
  if (!Deno.stderr.isTerminal()) return undefined;
  const encoder = new TextEncoder();
  return (fraction) => {
    const width = 30;
    const full = Math.round(fraction * width);
    const bar = "█".repeat(full) + "░".repeat(width - full);
    Deno.stderr.writeSync(encoder.encode(`\r${bar} ${(fraction * 100).toFixed(0).padStart(3)} %`));
  };
}
