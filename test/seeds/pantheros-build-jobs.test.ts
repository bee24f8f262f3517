import { availableParallelism } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { trackedFleets } from '../support/local-fleet.js';

const fleet = trackedFleets();

/**
 * A per-host build that reports how many builds run beside it. Until `$2` builds have been under
 * way at once (the first to see it says so in \`reached\`), each waits for them, up to 30 s; then it
 * notes how many it sees. At most N at once: the most any saw is N. More at once: more. Fewer:
 * they give up, and the most is less than N.
 */
const buildScript = `set -e
mkdir -p running && : > running/$1
i=0
while [ ! -e reached ] && [ "$(ls running | wc -l)" -lt "$2" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
count=$(ls running | wc -l)
[ "$count" -lt "$2" ] || : > reached
echo "$count" >> seen
rm running/$1
mkdir -p out-$1 && echo "$1" > out-$1/built
`;

async function buildFleet(hosts: number, expected: number) {
	const names = Array.from({ length: hosts }, (_, index) => `host-${index + 1}`);
	const demo = await fleet(names, { build: `sh build.sh {host} ${expected}` });
	writeFileSync(path.join(demo.dir, 'build.sh'), buildScript);
	writeFileSync(demo.config, readFileSync(demo.config, 'utf8').replace('artifact = "dist"', 'artifact = "out-{host}"'));
	const seen = () => readFileSync(path.join(demo.dir, 'seen'), 'utf8').trim().split('\n').map(Number);
	return { demo, seen };
}

describe("pantherOS build-all.sh: per-host builds run as many at once as this machine has CPUs", () => {
	it('defaults to the CPU count, whatever the hosts\' own concurrency', { timeout: 120_000 }, async () => {
		const cpus = availableParallelism();
		const { demo, seen } = await buildFleet(2 * cpus, cpus);
		const result = await demo.run('deploy', '--build-only');
		expect(result.exitCode, result.stdout + result.stderr).toBe(0);
		expect(result.stdout).toContain(`[build] building ${2 * cpus} hosts, ${cpus} at a time (CPU count)`);
		expect(seen()).toHaveLength(2 * cpus);
		expect(Math.max(...seen())).toBe(cpus);
	});

	it('--jobs N builds N at once, as build-all.sh --jobs N does', { timeout: 120_000 }, async () => {
		const { demo, seen } = await buildFleet(4, 1);
		const result = await demo.run('deploy', '--build-only', '--jobs', '1');
		expect(result.exitCode, result.stdout + result.stderr).toBe(0);
		expect(result.stdout).toContain('[build] building 4 hosts, 1 at a time (--jobs)');
		expect(seen()).toEqual([1, 1, 1, 1]);
	});
});
