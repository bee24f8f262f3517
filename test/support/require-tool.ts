import { execFileSync } from 'node:child_process';

/**
 * Whether a tool the test needs is here. In CI a missing tool is an error, never a silent skip
 * (.ci/run installs them); on a developer's machine the test is skipped with the reason.
 */
export function hasTool(command: string, install: string): boolean {
	try {
		execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
		return true;
	} catch {
		if (process.env.CI) throw new Error(`${command} is missing in CI: ${install}`);
		console.warn(`skipping: ${command} not installed (${install})`);
		return false;
	}
}
