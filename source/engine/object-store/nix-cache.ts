import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

/**
 * A closure as a Nix binary cache on this machine: `nix copy --to file://<dir>` writes each store
 * path's `.narinfo` and NAR once (paths already there are skipped), and the files a host needs
 * for the closure are read back from it, each with its sha256 for the host to check.
 */
export interface CacheFile {
	/** Relative to the cache: `<hash>.narinfo` or `nar/<file hash>.nar.zst`. */
	readonly name: string;
	readonly sha256: string;
	readonly size: number;
	/** The store path it belongs to. */
	readonly storePath: string;
}

const nixCommand = ['--extra-experimental-features', 'nix-command'];

export async function closureInCache(storePath: string, cacheDir: string, signal?: AbortSignal): Promise<CacheFile[]> {
	const copy = await execa('nix', [...nixCommand, 'copy', '--to', `file://${cacheDir}?compression=zstd`, storePath], { reject: false, stdin: 'ignore', cancelSignal: signal });
	if (copy.exitCode !== 0) throw new Error(`nix copy --to file://${cacheDir} failed here: ${String(copy.stderr).trim().split('\n').at(-1) ?? `exit ${copy.exitCode}`}`);
	const listed = await execa('nix-store', ['-qR', storePath], { reject: false, stdin: 'ignore', cancelSignal: signal });
	if (listed.exitCode !== 0) throw new Error(`nix-store -qR ${storePath} failed here: ${String(listed.stderr).trim()}`);
	const paths = String(listed.stdout).split('\n').filter(Boolean);
	const files = await Promise.all(
		paths.map(async (each) => {
			const narinfo = `${path.basename(each).split('-')[0]}.narinfo`;
			const text = await readFile(path.join(cacheDir, narinfo), 'utf8');
			const nar = /^URL: (\S+)$/m.exec(text)?.[1];
			if (!nar) throw new Error(`${narinfo} in ${cacheDir} names no NAR`);
			return [await describe(cacheDir, narinfo, each), await describe(cacheDir, nar, each)];
		}),
	);
	return files.flat();
}

async function describe(cacheDir: string, name: string, storePath: string): Promise<CacheFile> {
	const file = path.join(cacheDir, name);
	const [content, info] = await Promise.all([readFile(file), stat(file)]);
	return { name, sha256: createHash('sha256').update(content).digest('hex'), size: info.size, storePath };
}
