/**
 * The layer rules of the project, checked on the real module graph
 * (`deno info --json`) and on the real island bundle. Each failure names the
 * offending import.
 */
import assert from "node:assert/strict";
import { buildIslands } from "../build/islands.ts";

const ROOT = new URL("../", import.meta.url);
/** Folders whose modules the graph is built from (with `main.ts`). */
const SOURCE_DIRS = [
  "bench",
  "build",
  "cli",
  "components",
  "contract",
  "db",
  "engine",
  "fixtures",
  "islands",
  "presentation",
  "routes",
  "tests",
];

/** One import: who imports what (project-relative paths), on which line, type-only or not. */
interface Edge {
  readonly from: string;
  readonly to: string;
  readonly line: number;
  readonly typeOnly: boolean;
  /** Loaded with `import()` when needed, not with the importing module. */
  readonly dynamic: boolean;
}

/** A module of `deno info --json` output, with only the fields read here. */
interface InfoModule {
  specifier: string;
  dependencies?: {
    code?: { specifier: string; span: { start: { line: number } } };
    type?: { specifier: string; span: { start: { line: number } } };
    isDynamic?: boolean;
  }[];
}

async function sourceFiles(dir: URL): Promise<URL[]> {
  const files: URL[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) files.push(...await sourceFiles(url));
    else if (/\.tsx?$/.test(entry.name)) files.push(url);
  }
  return files;
}

const relative = (specifier: string) =>
  specifier.startsWith(ROOT.href) ? specifier.slice(ROOT.href.length) : specifier;

/** Every import between the project's own modules, from one `deno info` over all of them. */
async function projectImports(): Promise<Edge[]> {
  const files = [new URL("main.ts", ROOT)];
  for (const dir of SOURCE_DIRS) files.push(...await sourceFiles(new URL(`${dir}/`, ROOT)));
  const root = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(root, files.map((f) => `import "${f.href}";\n`).join(""));
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--config", new URL("deno.json", ROOT).pathname, root],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(code, 0, `deno info failed: ${new TextDecoder().decode(stderr)}`);
    const info = JSON.parse(new TextDecoder().decode(stdout)) as { modules: InfoModule[] };
    const edges: Edge[] = [];
    for (const module of info.modules) {
      if (!module.specifier.startsWith(ROOT.href)) continue;
      for (const dependency of module.dependencies ?? []) {
        const target = dependency.code ?? dependency.type;
        if (!target?.specifier.startsWith(ROOT.href)) continue;
        edges.push({
          from: relative(module.specifier),
          to: relative(target.specifier),
          line: target.span.start.line + 1,
          typeOnly: dependency.code === undefined,
          dynamic: dependency.isDynamic === true,
        });
      }
    }
    return edges;
  } finally {
    await Deno.remove(root);
  }
}

const EDGES = await projectImports();

const describe = (edge: Edge) =>
  `${edge.from}:${edge.line} imports ${edge.to}${edge.typeOnly ? " (types)" : ""}`;

/** Asserts no import from a module matching `from` reaches a module matching `to`. */
function assertNoImports(from: RegExp, to: RegExp, rule: string): void {
  const sources = EDGES.filter((edge) => from.test(edge.from));
  assert.ok(sources.length > 0, `no imports found from ${from}: the graph walk is broken`);
  const broken = sources.filter((edge) => to.test(edge.to));
  assert.deepEqual(broken.map(describe), [], `${rule}:\n${broken.map(describe).join("\n")}`);
}

/**
 * Project modules `start` loads, transitively (type-only imports included;
 * `import()` too unless `loadedWith` says only what loads with it).
 */
function reachable(start: string, options: { loadedWith?: boolean } = {}): Set<string> {
  const seen = new Set<string>();
  const pending = [start];
  while (pending.length > 0) {
    const module = pending.pop()!;
    if (seen.has(module)) continue;
    seen.add(module);
    for (const edge of EDGES) {
      if (edge.from !== module) continue;
      if (options.loadedWith && (edge.dynamic || edge.typeOnly)) continue;
      pending.push(edge.to);
    }
  }
  return seen;
}

Deno.test("engine/core imports nothing from runtime, db, web, contract, CLI or presentation code", () => {
  assertNoImports(
    /^engine\/core\//,
    /^(engine\/runtime|db|routes|islands|components|contract|cli|presentation|build|bench|tests|fixtures)\/|^main\.ts$/,
    "engine/core must stay pure",
  );
});

Deno.test("routes do not import db/ (they go through services)", () => {
  assertNoImports(/^routes\//, /^db\//, "routes must not import db/");
});

Deno.test("presentation imports only itself and engine/core types (it is bundled into islands)", () => {
  assertNoImports(
    /^presentation\//,
    /^(?!presentation\/|engine\/core\/)/,
    "presentation must stay bundle-safe",
  );
});

Deno.test("main.ts does not load cli/ code", () => {
  const modules = reachable("main.ts");
  assert.ok(modules.has("routes/app.ts"), "the graph walk from main.ts found routes/app.ts");
  const chains = EDGES.filter((edge) => modules.has(edge.from) && edge.to.startsWith("cli/"));
  assert.deepEqual(
    chains.map(describe),
    [],
    `main.ts must not load cli/:\n${chains.map(describe).join("\n")}`,
  );
});

Deno.test("cluster code (and NATS with it) loads only in cluster mode, never in a session worker", async () => {
  assert.ok(reachable("main.ts").has("engine/runtime/cluster/mod.ts"), "the graph finds it");
  const single = [...reachable("main.ts", { loadedWith: true })];
  assert.ok(single.includes("engine/runtime/service.ts"), "the walk from main.ts works");
  assert.deepEqual(single.filter((m) => m.startsWith("engine/runtime/cluster/")), []);
  const worker = [...reachable("engine/runtime/session_worker.ts")];
  assert.deepEqual(worker.filter((m) => m.startsWith("engine/runtime/cluster/")), []);
  // The NATS client is imported by the cluster's modules only.
  const natsUsers = [];
  for (const dir of SOURCE_DIRS.filter((d) => d !== "tests")) {
    for (const file of await sourceFiles(new URL(`${dir}/`, ROOT))) {
      if ((await Deno.readTextFile(file)).includes(`from "@nats-io/`)) {
        natsUsers.push(relative(file.href));
      }
    }
  }
  assert.ok(natsUsers.length > 0, "some module imports the NATS client");
  assert.deepEqual(natsUsers.filter((m) => !m.startsWith("engine/runtime/cluster/")), []);
});

Deno.test("bench/ does not import tests/ (shared helpers live in fixtures/)", () => {
  assertNoImports(/^bench\//, /^tests\//, "bench must not import tests/");
});

Deno.test("the bundled islands contain no engine/runtime or db code", async () => {
  const dir = await Deno.makeTempDir({ prefix: "paper_islands_" });
  try {
    const output = `${dir}/islands.js`;
    await buildIslands({ minify: false, output });
    // Unminified, the bundler heads each module's code with a `// path` comment.
    const modules = [...(await Deno.readTextFile(output)).matchAll(/^\/\/ (\S+\.tsx?)$/gm)]
      .map((m) => m[1]);
    assert.ok(modules.includes("islands/_client.ts"), `the bundle lists: ${modules.join(", ")}`);
    const forbidden = modules.filter((m) => /^(engine\/runtime|db)\//.test(m));
    const client = reachable("islands/_client.ts");
    const imports = EDGES.filter((edge) =>
      !edge.typeOnly && client.has(edge.from) && forbidden.includes(edge.to)
    );
    assert.deepEqual(
      forbidden,
      [],
      `the island bundle contains server code: ${forbidden.join(", ")}, through:\n${
        imports.map(describe).join("\n")
      }`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
