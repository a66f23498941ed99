import { latency } from "./sessions.ts";
for (const n of [1, 20]) {
  const figs = await latency(n, 1);
  for (const f of figs) {
    console.log(f.name, f.median.toFixed(3), f.min.toFixed(3), f.max.toFixed(3));
  }
}
