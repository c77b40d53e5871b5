/**
 * Bundles the dashboard (src/dashboard/ui) into dist/dashboard/public: index.html,
 * assets/app-[hash].js and assets/app-[hash].css, minified, each with precompressed .gz and .br
 * copies that the dashboard plugin serves. Deterministic: the same sources give the same bytes.
 * Fails when the shipped assets exceed the size budget. Type checking is done before, by
 * `tsc -p src/dashboard/ui/tsconfig.json` (see the "build" script).
 */
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const outDir = join(root, "dist/dashboard/public");
const assetsDir = join(outDir, "assets");
/** Gzipped bytes of everything shipped (index.html, JS, CSS). */
const GZIP_BUDGET = 300 * 1024;

const started = performance.now();
await rm(outDir, { recursive: true, force: true });
await mkdir(assetsDir, { recursive: true });

const result = await build({
  entryPoints: { app: join(root, "src/dashboard/ui/main.tsx") },
  outdir: assetsDir,
  entryNames: "[name]-[hash]",
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: ["es2022", "chrome110", "firefox115", "safari16"],
  jsx: "automatic",
  jsxImportSource: "preact",
  legalComments: "none",
  sourcemap: false,
  metafile: true,
  logLevel: "warning",
});

const outputs = Object.keys(result.metafile.outputs).map((file) => join(root, file));
const script = outputs.find((file) => file.endsWith(".js"));
const style = outputs.find((file) => file.endsWith(".css"));
if (script === undefined || style === undefined) throw new Error("esbuild produced no JS or no CSS bundle");
const href = (file) => `/dashboard/assets/${relative(assetsDir, file)}`;

const favicon =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24'%3E%3Cpath d='M12 2 3 7v10l9 5 9-5V7z' fill='%235b8def'/%3E%3C/svg%3E";
const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark light">
<title>Hydra</title>
<link rel="icon" href="${favicon}">
<link rel="stylesheet" href="${href(style)}">
<script>(function(){try{var t=localStorage.getItem("hydra.theme")}catch(e){}document.documentElement.dataset.theme=t==="light"||t==="dark"?t:matchMedia("(prefers-color-scheme: light)").matches?"light":"dark"})()</script>
<script type="module" src="${href(script)}"></script>
</head>
<body>
<div id="app"></div>
<noscript>The Hydra dashboard needs JavaScript.</noscript>
</body>
</html>
`;
await writeFile(join(outDir, "index.html"), html);

let gzipTotal = 0;
const rows = [];
for (const file of await listFiles(outDir)) {
  const bytes = await readFile(file);
  const gz = gzipSync(bytes, { level: 9 });
  const br = brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
  await writeFile(`${file}.gz`, gz);
  await writeFile(`${file}.br`, br);
  gzipTotal += gz.length;
  rows.push(
    `  ${relative(outDir, file).padEnd(34)} ${kb(bytes.length)}  gzip ${kb(gz.length)}  br ${kb(br.length)}`,
  );
}
console.log(
  `dashboard built in ${Math.round(performance.now() - started)} ms -> ${relative(root, outDir)}\n${rows.join("\n")}\n  total gzip ${kb(gzipTotal)} (budget ${kb(GZIP_BUDGET)})`,
);
if (gzipTotal > GZIP_BUDGET) {
  console.error(`the dashboard's assets are ${kb(gzipTotal)} gzipped, over the ${kb(GZIP_BUDGET)} budget`);
  process.exit(1);
}

async function listFiles(dir) {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)],
    ),
  );
  return files.flat().sort();
}

function kb(bytes) {
  return `${(bytes / 1024).toFixed(1).padStart(6)} KB`;
}
