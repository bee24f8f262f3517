import { cleanup, render } from 'ink-testing-library';
import { Profiler } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { ConsoleApp } from '../../source/app/console-app.js';
import { ConsoleProvider } from '../../source/app/console-context.js';
import { createConsoleController } from '../../source/app/controller.js';
import { createConsoleStore } from '../../source/store/console-store.js';
import { transportFactory } from '../../source/transport/open-transport.js';
import { fleetConfig, hostConfig } from '../store/host-fixtures.js';
import { FakeEngine } from './fake-engine.js';
import { waitFor, waitForFrame } from './keys.js';

afterEach(() => {
	cleanup();
});

describe('a flood of log lines', () => {
	it('reaches React as a few batches, not a render per line', async () => {
		const hosts = Array.from({ length: 200 }, (_, index) => hostConfig(`node-${String(index + 1).padStart(3, '0')}`));
		const config = fleetConfig(hosts);
		const store = createConsoleStore({ hosts, publishIntervalMs: 100 });
		const controller = createConsoleController({ config, store, engine: new FakeEngine(), openTransport: transportFactory() });
		let commits = 0;
		const { lastFrame } = render(
			<Profiler id="console" onRender={() => (commits += 1)}>
				<ConsoleProvider services={{ store, controller, exit: () => {} }}>
					<ConsoleApp app="demo" />
				</ConsoleProvider>
			</Profiler>,
		);
		await waitForFrame(lastFrame, 'node-001');
		const names = hosts.map((host) => host.name);
		store.getState().ingest({ type: 'run-started', runId: 'r', kind: 'deploy', release: 'rel', hosts: names, phases: ['preflight'], at: '' });
		commits = 0;

		// 20,000 lines over about a second: 200 hosts × 100 lines, in 50 bursts 20 ms apart.
		const started = Date.now();
		for (let burst = 0; burst < 50; burst += 1) {
			for (let line = 0; line < 400; line += 1) {
				const host = names[(burst * 400 + line) % names.length] ?? 'node-001';
				store.getState().ingest({ type: 'log', host, stream: 'stdout', line: `${host} line ${burst}-${line}` });
			}
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
		const seconds = (Date.now() - started) / 1000;
		await waitForFrame(lastFrame, 'node-001 line 49-');
		await waitFor(() => store.getState().hosts['node-200']?.logTotal === 101, 'the last batch');

		// ≤ 10 publishes a second, plus the shared spinner clock (8/s) for running tiles; nowhere
		// near one render per line (20,000).
		expect(commits).toBeLessThan(Math.ceil(seconds * 20) + 10);
		expect(store.getState().logOf('node-001').length).toBe(101);
	});
});
