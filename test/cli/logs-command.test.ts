import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { exitCodes } from '../../source/engine/outcome/exit-code.js';
import { cli, trackedFleets } from '../support/local-fleet.js';
import { waitFor } from '../support/wait-for.js';

const fleet = trackedFleets();

/** `switchyard logs -f` on one host whose service log prints a line and then waits. */
async function followLogs() {
	const demo = await fleet(['alpha'], { hostToml: { alpha: `logs = "sh -c 'echo following; exec sleep 30'"` } });
	const follow = execa('node', [cli, 'logs', '-f', '--config', demo.config], { reject: false, stdin: 'ignore', cwd: demo.dir, env: { NO_COLOR: '1' } });
	let output = '';
	follow.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
	await waitFor(() => output.includes('[alpha] following'), 'the followed log to print');
	// Wrapped: the subprocess is a promise, and returning it from here would wait for its end.
	return { follow };
}

describe('switchyard logs stopped by a signal', () => {
	it('SIGTERM exits 143, as every command does', async () => {
		const { follow } = await followLogs();
		follow.kill('SIGTERM');
		expect((await follow).exitCode).toBe(exitCodes.terminate);
	});

	it('SIGHUP exits 129', async () => {
		const { follow } = await followLogs();
		follow.kill('SIGHUP');
		expect((await follow).exitCode).toBe(exitCodes.hangup);
	});
});

describe('switchyard logs on a host with nothing to show', () => {
	it('says so and exits 0: a {service} template and no services is not a failure to read', async () => {
		const demo = await fleet(['alpha'], { hostToml: { alpha: 'services = []\nlogs = "journalctl -u {service}"' } });
		const result = await demo.run('logs');
		expect(result.exitCode, result.stdout + result.stderr).toBe(exitCodes.ok);
		expect(result.stdout).toContain('[alpha] no services to show the logs of (services = [])');
	});
});
