import { lstat, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/types.js';
import { artifactDir } from './build.js';
import type { EmitEvent, Phase } from './events.js';
import { isDryRun } from './outcome/tally.js';

/** `dir` is `other` or holds it. */
const holds = (dir: string, other: string): boolean => {
	const relative = path.relative(dir, other);
	return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
};

/**
 * A dry run builds (its diff and `dry_run` need the new build) but changes nothing, this machine's
 * artifact included: what a `--retry` or `--skip-build` finds there is what the last real deploy
 * built. So the artifact is moved aside before the build and put back when the run ends, whatever
 * happened. A directory that holds the config or the working directory is never moved: it is
 * built in place, and said so.
 */
export async function keepingArtifact<T>(request: { readonly config: Config; readonly hosts: readonly { readonly name: string }[] }, phases: readonly Phase[], emit: EmitEvent, work: () => Promise<T>): Promise<T> {
	const build = request.config.build;
	if (!build || !phases.includes('build') || !isDryRun('deploy', phases)) return work();
	const dirs = [...new Set(build.perHost ? request.hosts.map((host) => artifactDir(build, host.name)) : [artifactDir(build)])];
	const guarded = [request.config.dir, build.cwd, process.cwd()];
	const info = (line: string) => emit({ type: 'log', host: null, stream: 'info', line });
	const kept: { dir: string; aside: string | null }[] = [];
	for (const dir of dirs) {
		if (guarded.some((other) => holds(dir, other)) || path.dirname(dir) === dir) {
			info(`dry run: ${dir} is built in place (it holds the config or the working directory): a retry of an earlier deploy will find it changed`);
			continue;
		}
		const aside = path.join(path.dirname(dir), `.${path.basename(dir)}.dry-run-${process.pid}`);
		const exists = await lstat(dir).then(
			() => true,
			() => false,
		);
		if (exists) await rename(dir, aside);
		kept.push({ dir, aside: exists ? aside : null });
	}
	try {
		return await work();
	} finally {
		for (const { dir, aside } of kept) {
			await rm(dir, { recursive: true, force: true });
			if (aside) await rename(aside, dir);
			info(aside ? `dry run: put ${dir} back as it was before the build` : `dry run: removed ${dir}, which was not there before the build`);
		}
	}
}
