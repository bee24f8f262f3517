import { execSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

/**
 * What must hold on a releases host after any run, whatever failed: `current` (if any) points at
 * a complete generation whose files match its manifest, no `.partial` (or pull work) is left,
 * no lock is left, `switches.log` ends where `current` is. Returns the problems (none: []).
 */
export function hostProblems(root: string): string[] {
	const problems: string[] = [];
	const generations = path.join(root, 'generations');
	if (existsSync(generations)) {
		const odd = readdirSync(generations).filter((name) => !/^\d+$/.test(name));
		if (odd.length > 0) problems.push(`left in generations/: ${odd.join(', ')}`);
		for (const id of readdirSync(generations).filter((name) => /^\d+$/.test(name))) {
			if (existsSync(path.join(generations, id, '.switchyard', 'pull'))) problems.push(`generation ${id} kept the pull's work dir`);
		}
	}
	const link = path.join(root, 'current');
	if (existsSync(link)) {
		const current = readlinkSync(link);
		if (!/^generations\/\d+$/.test(current)) problems.push(`current -> ${current} is not a complete generation`);
		const generation = path.join(root, current);
		try {
			execSync('sha256sum -c --quiet --strict .switchyard/manifest.sha256', { cwd: generation, stdio: 'pipe' });
		} catch (error) {
			problems.push(`${current} does not match its manifest: ${String((error as { stdout?: Buffer }).stdout ?? error)}`);
		}
		const last = readFileSync(path.join(root, 'switches.log'), 'utf8').trim().split('\n').at(-1)?.split('\t');
		if (`generations/${last?.[3]}` !== current) problems.push(`switches.log ends at ${last?.[3]} but current is ${current}`);
	}
	if (existsSync(path.join(root, '.lock'))) problems.push('a lock is left');
	return problems;
}
