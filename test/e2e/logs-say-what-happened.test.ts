import { describe, expect, it } from 'vitest';
import { trackedFleets } from '../support/local-fleet.js';

const fleet = trackedFleets();

/** The demo's charlie: a binary into bin_prefix, the frontend into web_root, the demo service restarted. */
const installs = 'binaries = ["demo-cli"]\nbin_prefix = "usr-local-bin"\nfrontend = true\nweb_root = "www/charlie"\nafter_switch = ["cat version.txt"]';

describe('every step says what it did', () => {
	it('a deploy logs the binaries installed, the frontend synced and each restart and hook with its command filled in', async () => {
		const demo = await fleet(['charlie'], { hostToml: { charlie: installs } });
		const result = await demo.run('deploy', '--yes');
		expect(result.exitCode, result.stdout + result.stderr).toBe(0);
		const root = demo.root('charlie');
		// Logged in as root, as CI is, nothing is needed to act as root; otherwise the way in is named.
		const through = process.getuid?.() === 0 ? '' : ', through sudo';
		expect(result.stdout).toContain(`[charlie] installed bin/demo-cli → ${demo.dir}/usr-local-bin/demo-cli (install -m 0755${through})\n`);
		expect(result.stdout).toMatch(new RegExp(`\\[charlie\\] frontend synced: frontend/ → ${demo.dir}/www/charlie \\(emptied, then cp -R${through}: \\d+ files?\\)\\n`));
		expect(result.stdout).toContain(`[charlie] restart demo: sh ${root}/current/bin/service.sh restart ${root}\n`);
		expect(result.stdout).toContain('[charlie] after_switch: cat version.txt\n');
	});

	it('a dry run prints the templates expanded, as the switch would run them', async () => {
		const demo = await fleet(['charlie'], { hostToml: { charlie: installs } });
		const result = await demo.run('deploy', '--dry-run');
		expect(result.exitCode, result.stdout + result.stderr).toBe(0);
		const root = demo.root('charlie');
		expect(result.stdout).toContain('[charlie] services to restart: demo\n');
		expect(result.stdout).toContain(`[charlie]   restart demo: sh ${root}/current/bin/service.sh restart ${root}\n`);
		expect(result.stdout).toContain('[charlie] after_switch: cat version.txt\n');
		expect(result.stdout).not.toMatch(/\{(current|root|service|release|host)\}/);
	});
});
