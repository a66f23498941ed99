/**
 * A CPU hog for the stress tests: keeps one core busy until its standard
 * input closes (so it ends with the process that started it, however that
 * one ends). Yields to its event loop every 50 ms only to notice that.
 */
let running = true;
Deno.stdin.read(new Uint8Array(1)).finally(() => running = false);
while (running) {
  const end = performance.now() + 50;
  while (performance.now() < end) { /* burn */ }
  await new Promise((resolve) => setTimeout(resolve, 0));
}
