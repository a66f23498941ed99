/**
 * Bundles the dashboard's islands for the browser into `static/build/islands.js`
 * with Deno's built-in bundler. Run by `deno task build` and at service start.
 */

const ROOT = new URL("..", import.meta.url);

/** The bundle the dashboard loads. */
export const ISLANDS_BUNDLE = "static/build/islands.js";

/**
 * Builds the island bundle (to `output`, default {@link ISLANDS_BUNDLE}, a path
 * relative to the project root or absolute); throws with the bundler's output
 * when it fails.
 */
export async function buildIslands(
  options: { minify?: boolean; output?: string } = {},
): Promise<void> {
  const args = [
    "bundle",
    "--quiet",
    "--platform",
    "browser",
    ...(options.minify === false ? [] : ["--minify"]),
    "--output",
    options.output ?? ISLANDS_BUNDLE,
    "islands/_client.ts",
  ];
  const { success, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!success) {
    throw new Error(`building the islands failed:\n${new TextDecoder().decode(stderr)}`);
  }
}

if (import.meta.main) {
  await buildIslands();
  console.log(`built ${ISLANDS_BUNDLE}`);
}
