import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait-for.js';
import { loadConfig } from '../../source/config/load-config.js';
import { tailLogs } from '../../source/engine/tail-logs.js';
import { transportFactory } from '../../source/transport/open-transport.js';
import { createLocalFleet, type LocalFleet } from '../support/local-fleet.js';

const fleets: LocalFleet[] = [];
afterAll(async () => Promise.all(fleets.map((fleet) => fleet.stop())));

describe('Seance: post-deploy verification', () => {
	it('checks HTTP endpoints of what runs now and streams the service log', async () => {
		const fleet = await createLocalFleet(['seance-backend']);
		fleets.push(fleet);
		const port = fleet.hosts[0]!.port;
		writeFileSync(
			fleet.config,
			readFileSync(fleet.config, 'utf8').replace(
				`health = { http = ["http://127.0.0.1:${port}/health"] }`,
				`health = { http = ["http://127.0.0.1:${port}/health", { url = "http://127.0.0.1:${port}/", expect = "Switchyard demo" }], command = "sh bin/service.sh status {root}" }\nlogs = "tail -n 0 -f {root}/shared/logs/service.log"`,
			),
		);
		expect((await fleet.run('deploy', '--yes')).exitCode).toBe(0);

		const check = await fleet.run('check');
		expect(check.exitCode).toBe(0);
		// One row per host: reachable, generation 1, its release, no lock, free disk, healthy.
		expect(check.stdout).toMatch(/^seance-backend +✓ +gen 1 +\S+ +– +[\d.]+ [KMGT]?B +✓$/m);

		// `l` in the console: the service's log, live.
		const host = loadConfig(fleet.config).hosts[0]!;
		const lines: string[] = [];
		const stop = new AbortController();
		const tail = tailLogs(host, transportFactory(), (line) => lines.push(line), stop.signal);
		await waitFor(async () => {
			await fetch(`http://127.0.0.1:${port}/health`);
			return lines.some((line) => line.includes('GET /health 200'));
		}, 'a request to show in the tailed service log');
		stop.abort();
		await tail;
		expect(lines.some((line) => line.includes('GET /health 200'))).toBe(true);

		await fleet.stop();
		const down = await fleet.run('check');
		expect(down.exitCode).toBe(1);
		expect(down.stdout).toMatch(/^seance-backend +✓ +gen 1 .* ✗$/m);
		expect(down.stdout).toMatch(/^✗ seance-backend: .*sh bin\/service.sh status \S+: stopped/m);
	});
});
