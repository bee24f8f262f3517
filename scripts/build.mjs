// The CLI as one script with production React (dist/switchyard.cjs), started by a small launcher
// (dist/cli.js, from source/launcher.ts) that runs it from a V8 code cache: parsing and compiling
// the bundle was most of what stood between `node` and the console's first frame.
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { build } from 'esbuild';
import { inkPatches, patchSource } from './ink-patches.mjs';

// Ink loads react-devtools-core only when DEV=true; it is not installed, so the bundle gets an empty stand-in.
const noDevtools = {
	name: 'no-devtools',
	setup(builder) {
		builder.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'no-devtools' }));
		builder.onLoad({ filter: /.*/, namespace: 'no-devtools' }, () => ({ contents: 'export default { initialize() {}, connectToDevTools() {} };', loader: 'js' }));
	},
};

// ssh2 loads its optional native crypto binding (built by its install script) relative to its own
// file; from the bundle that path would point into dist and never exist. Load it from the
// installed package instead; without it ssh2 falls back to Node's crypto, as before.
const sshBinding = {
	name: 'ssh2-binding',
	setup(builder) {
		builder.onResolve({ filter: /\/sshcrypto\.node$/ }, () => ({ path: 'ssh2/lib/protocol/crypto/build/Release/sshcrypto.node', external: true }));
	},
};

// The bundle is one CommonJS script, and a script cannot await at its top level. Two
// dependencies do: yoga waits for its wasm, and Ink waits for React devtools when DEV=true (see
// ink-patches.mjs). yoga's wasm is compiled synchronously instead (emscripten's instantiateWasm
// hook; also spares undici, which its loader would use to fetch its own data: URL).
const yogaBinary = fileURLToPath(import.meta.resolve('yoga-layout/load').replace(/src\/load\.js$/, 'binaries/yoga-wasm-base64-esm.js'));
/** The wasm yoga embeds, as base64: `H="data:…;base64,<this>"` in its loader. */
async function yogaWasm() {
	const literal = /H="data:application\/octet-stream;base64,([A-Za-z0-9+/=]+)"/.exec(await readFile(yogaBinary, 'utf8'));
	if (!literal) throw new Error(`${yogaBinary}: no embedded wasm found; check withoutTopLevelAwait in scripts/build.mjs`);
	return literal;
}
const withoutTopLevelAwait = {
	name: 'without-top-level-await',
	setup(builder) {
		builder.onLoad({ filter: /yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/ }, async (args) => {
			if (args.path !== yogaBinary) throw new Error(`yoga loaded from ${args.path}, not ${yogaBinary}`);
			// The bytes travel once, in the module below; the loader never reads them here.
			return { contents: await patchSource(args.path, [[(await yogaWasm())[0], 'H="data:application/octet-stream;base64,"']]), loader: 'js' };
		});
		builder.onLoad({ filter: /yoga-layout[\\/]dist[\\/]src[\\/]index\.js$/ }, async (args) => ({
			contents: await patchSource(args.path, [['const Yoga = wrapAssembly(await loadYoga());', [
				"import wasm from 'switchyard:yoga-wasm';",
				'const yoga = { instantiateWasm(imports, receive) { receive(new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(wasm, "base64")), imports)); return {}; } };',
				// Instantiated synchronously, the runtime is ready when the factory returns.
				'loadYoga(yoga);',
				'if (!yoga.asm) throw new Error("yoga did not load synchronously");',
				'const Yoga = wrapAssembly(yoga);',
			].join('\n')]]),
			loader: 'js',
		}));
		builder.onResolve({ filter: /^switchyard:yoga-wasm$/ }, () => ({ path: 'yoga-wasm', namespace: 'switchyard' }));
		builder.onLoad({ filter: /.*/, namespace: 'switchyard' }, async () => ({ contents: `export default ${JSON.stringify((await yogaWasm())[1])};`, loader: 'js' }));
	},
};

rmSync('dist', { recursive: true, force: true });
mkdirSync('dist');

const app = await build({
	entryPoints: ['source/cli.tsx'],
	outfile: 'dist/switchyard.cjs',
	bundle: true,
	platform: 'node',
	target: 'node20',
	// Modules behind `import()` are evaluated when first imported: a headless start never
	// evaluates Ink, a local-only fleet never ssh2. Node's modules are plain `require`s.
	format: 'cjs',
	splitting: false,
	// SWITCHYARD_MINIFY=0: readable names in CPU profiles.
	minify: process.env.SWITCHYARD_MINIFY !== '0',
	sourcemap: 'linked',
	legalComments: 'none',
	write: false,
	metafile: true,
	define: { 'process.env.NODE_ENV': '"production"', 'import.meta.url': '__importMetaUrl' },
	// ssh2 (CommonJS) needs require/__dirname, given by the launcher; its optional native helpers are loaded with try/require; keep them out of the bundle.
	// The AWS SDK is required from node_modules when a [store] is first used (object-store/s3-store.ts):
	// its own modules import() Node's, which a script run from a code cache cannot.
	external: ['cpu-features', '@aws-sdk/*', '@smithy/*'],
	plugins: [noDevtools, sshBinding, withoutTopLevelAwait, inkPatches()],
	// ES modules are strict; the bundle is made of them.
	banner: { js: '"use strict";\nvar __importMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
	logLevel: 'warning',
});

const script = app.outputFiles.find((file) => file.path.endsWith('.cjs'));
const dynamicImports = Object.values(app.metafile.outputs).flatMap((output) => output.imports.filter((entry) => entry.kind === 'dynamic-import').map((entry) => entry.path));
if (dynamicImports.length > 0) throw new Error(`the bundle would import() at run time (${dynamicImports.join(', ')}): a script run from a code cache cannot`);
// Top-level import/export or await would make it an ES module: fail here, not at a user's start.
try {
	new vm.Script(`(function (exports, require, module, __filename, __dirname) {\n${script.text}\n})`, { filename: script.path });
} catch (error) {
	throw new Error(`the bundle is not a plain script: ${error.message}`);
}
for (const file of app.outputFiles) writeFileSync(file.path, file.contents);

await build({
	entryPoints: ['source/launcher.ts'],
	outfile: 'dist/cli.js',
	bundle: true,
	platform: 'node',
	target: 'node20',
	format: 'cjs',
	minify: true,
	legalComments: 'none',
	define: { SWITCHYARD_BUILD: JSON.stringify(createHash('sha256').update(script.contents).digest('hex').slice(0, 16)) },
	banner: { js: '#!/usr/bin/env node' },
	logLevel: 'warning',
});
// The package is "type": "module"; the launcher and the bundle are CommonJS scripts.
writeFileSync('dist/package.json', '{ "type": "commonjs" }\n');

// npm link / a global install run dist/cli.js directly.
chmodSync('dist/cli.js', 0o755);
