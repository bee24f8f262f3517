// Bundles a bench (argv: entry, output dir) as the npm bench scripts used to with the esbuild CLI,
// plus what the build gives Ink (scripts/ink-patches.mjs) unless SWITCHYARD_INK=shipped: a bench
// that renders the console measures the console that ships.
import path from 'node:path';
import { build } from 'esbuild';
import { inkPatches } from './ink-patches.mjs';

// Packages stay in node_modules, as with --packages=external, except Ink, whose files are patched.
// What Ink imports is loaded from where Ink would find it (it may have its own versions nested).
const externalButInk = {
	name: 'external-but-ink',
	setup(builder) {
		builder.onResolve({ filter: /^[^./]/ }, async (args) => {
			if (args.path === 'ink' || args.path.startsWith('switchyard:') || args.pluginData === 'resolving') return undefined;
			if (!/[\\/]node_modules[\\/]ink[\\/]/.test(args.importer) || args.path.startsWith('node:')) return { path: args.path, external: true };
			const found = await builder.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: 'resolving' });
			return { path: found.path, external: true };
		});
	},
};

const [entry, outdir] = process.argv.slice(2);
if (!entry || !outdir) throw new Error('usage: node scripts/bundle-bench.mjs <entry> <outdir>');
await build({
	entryPoints: [entry],
	outdir,
	outExtension: { '.js': '.mjs' },
	entryNames: path.basename(entry).replace(/\.[^.]+$/, ''),
	bundle: true,
	splitting: true,
	platform: 'node',
	format: 'esm',
	plugins: [externalButInk, inkPatches(process.env.SWITCHYARD_INK === 'shipped' ? ['reconciler.js'] : undefined)],
	logLevel: 'warning',
});
