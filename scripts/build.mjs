// One bundle with production React: Ink starts in about a third of the time it takes from
// node_modules as plain ESM, which is most of the console's startup.
import { build } from 'esbuild';

await build({
	entryPoints: ['source/cli.tsx'],
	outfile: 'dist/cli.js',
	bundle: true,
	platform: 'node',
	target: 'node20',
	format: 'esm',
	minify: false,
	sourcemap: 'linked',
	legalComments: 'none',
	define: { 'process.env.NODE_ENV': '"production"' },
	// ssh2 (CommonJS) needs require/__dirname, given by the banner; its optional native helpers are loaded with try/require; keep them out of the bundle.
	external: ['cpu-features', './crypto/build/Release/sshcrypto.node', 'react-devtools-core'],
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
