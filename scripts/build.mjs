// One bundle with production React: Ink starts in about a third of the time it takes from
// node_modules as plain ESM, which is most of the console's startup.
import { chmodSync } from 'node:fs';
import { build } from 'esbuild';

// Ink loads react-devtools-core only when DEV=true; it is not installed, so the bundle gets an empty stand-in.
const noDevtools = {
	name: 'no-devtools',
	setup(builder) {
		builder.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'no-devtools' }));
		builder.onLoad({ filter: /.*/, namespace: 'no-devtools' }, () => ({ contents: 'export default { initialize() {}, connectToDevTools() {} };', loader: 'js' }));
	},
};

// ssh2 loads its optional native crypto binding (built by its install script) relative to its own
// file; from a bundle chunk that path would point into dist/chunks and never exist. Load it from
// the installed package instead; without it ssh2 falls back to Node's crypto, as before.
const sshBinding = {
	name: 'ssh2-binding',
	setup(builder) {
		builder.onResolve({ filter: /\/sshcrypto\.node$/ }, () => ({ path: 'ssh2/lib/protocol/crypto/build/Release/sshcrypto.node', external: true }));
	},
};

await build({
	entryPoints: ['source/cli.tsx'],
	outdir: 'dist',
	// The console (Ink, React) and SSH (ssh2) are chunks loaded when needed: startup parses less.
	splitting: true,
	chunkNames: 'chunks/[name]-[hash]',
	bundle: true,
	platform: 'node',
	target: 'node20',
	format: 'esm',
	minify: true,
	sourcemap: 'linked',
	legalComments: 'none',
	define: { 'process.env.NODE_ENV': '"production"' },
	// ssh2 (CommonJS) needs require/__dirname, given by the banner; its optional native helpers are loaded with try/require; keep them out of the bundle.
	external: ['cpu-features'],
	plugins: [noDevtools, sshBinding],
	banner: {
		js: [
			'#!/usr/bin/env node',
			"import { createRequire as __createRequire } from 'node:module';",
			'const require = __createRequire(import.meta.url);',
			"import { fileURLToPath as __fileURLToPath } from 'node:url';",
			"import { dirname as __pathDirname } from 'node:path';",
			'const __filename = __fileURLToPath(import.meta.url);',
			'const __dirname = __pathDirname(__filename);',
		].join('\n'),
	},
	logLevel: 'warning',
});

// npm link / a global install run dist/cli.js directly.
chmodSync('dist/cli.js', 0o755);
