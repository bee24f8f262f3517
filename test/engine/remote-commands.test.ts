import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pruneGenerations } from '../../source/engine/remote/cleanup.js';
import { generationsToPrune } from '../../source/engine/keep-rule.js';
import { takeLock, releaseLock, peekLock } from '../../source/engine/remote/lock.js';
import { fillTemplate, quote, script } from '../../source/engine/remote/quote.js';
import { afterFirstListing, digestedListing, lastListing, readListingDigest, readStale, throughFirstListing, unlessListingChanged } from '../../source/engine/remote/listing-digest.js';
import { stageGeneration, discardPartial } from '../../source/engine/remote/stage.js';
import { armWatchdog, confirmWatchdog } from '../../source/engine/lifecycle/dead-man.js';
import { activateCurrent, swapCurrent } from '../../source/engine/remote/switch.js';

const sh = (text: string, ...args: string[]) => execFileSync('sh', ['-c', text, 'sh', ...args], { encoding: 'utf8' });

describe('quote', () => {
	it('leaves plain words alone and single-quotes the rest', () => {
		expect(quote('/opt/app')).toBe('/opt/app');
		expect(quote('web-1')).toBe('web-1');
		expect(quote('my dir')).toBe("'my dir'");
		expect(quote("it's")).toBe("'it'\\''s'");
		expect(quote('$(reboot)')).toBe("'$(reboot)'");
		expect(quote('')).toBe("''");
	});

	it('survives a real shell unchanged, whatever the value', () => {
		for (const value of ["it's", '$(touch /tmp/pwned)', '`id`', 'a"b', 'semi;colon', 'new\nline', '*', '\\', ' lead']) {
			expect(sh(`printf '%s' ${quote(value)}`)).toBe(value);
		}
	});

	it('fills templates with quoted values and leaves unknown placeholders', () => {
		expect(fillTemplate('systemctl --user restart {service}', { service: 'oqto' })).toBe('systemctl --user restart oqto');
		expect(fillTemplate('sh {current}/bin/x {root} {other}', { current: '/srv/my app/current', root: '/srv/my app' })).toBe(
			"sh '/srv/my app/current'/bin/x '/srv/my app' {other}",
		);
	});
});

describe('remote command builders', () => {
	const owner = { operator: 'ann@laptop', machine: 'laptop', pid: 42, runId: 'r1', startedAt: '2026-11-21T23:40:00.000Z' };

	it('takes the lock by renaming a dir that already names its owner', () => {
		expect(takeLock('/opt/app', owner)).toBe(
			[
				'[ -d /opt/app/generations ] && [ -d /opt/app/shared ] || mkdir -p /opt/app/generations /opt/app/shared || exit 1',
				`rm -rf /opt/app/.lock.$$; mkdir /opt/app/.lock.$$ && printf '%s\\n' '{"operator":"ann@laptop","machine":"laptop","pid":42,"runId":"r1","startedAt":"2026-11-21T23:40:00.000Z"}' > /opt/app/.lock.$$/owner.json || exit 1`,
				'if mv -T /opt/app/.lock.$$ /opt/app/.lock 2>/dev/null; then',
				'  echo "SY:locked"',
				'  for sy_draft in /opt/app/.lock.*; do [ -d "$sy_draft" ] || continue; kill -0 "${sy_draft##*.}" 2>/dev/null || rm -rf "$sy_draft"; done',
				'elif [ -d /opt/app/.lock ]; then',
				'  rm -rf /opt/app/.lock.$$',
				"  printf 'SY:lock-held '; tr -d '\\n' < /opt/app/.lock/owner.json 2>/dev/null; echo",
				'  exit 75',
				'else',
				'  mv -T /opt/app/.lock.$$ /opt/app/.lock; rm -rf /opt/app/.lock.$$; exit 1',
				'fi',
			].join('\n'),
		);
		// Of two takers exactly one gets it; the other is told who holds it.
		const root = mkdtempSync(path.join(tmpdir(), 'sy-lock-race-'));
		try {
			const take = (runId: string) => sh(`( ${takeLock(root, { ...owner, runId })}\n) || echo "exit $?"`);
			const results = [take('r1'), take('r2')];
			expect(results[0]).toBe('SY:locked\n');
			expect(results[1]).toMatch(/^SY:lock-held \{.*"runId":"r1".*\}\nexit 75\n$/);
			expect(readdirSync(root).sort()).toEqual(['.lock', 'generations', 'shared']);
		} finally {
			rmSync(root, { recursive: true, force: true });
		}
		expect(releaseLock('/opt/app', 'r1')).toBe(
			[`owner=; [ -f /opt/app/.lock/owner.json ] && IFS= read -r owner < /opt/app/.lock/owner.json`, `case "$owner" in *'"runId":"r1"'*) rm -rf /opt/app/.lock && echo "SY:unlocked" ;; esac`].join('\n'),
		);
		expect(peekLock('/opt/app')).toContain('if [ -d /opt/app/.lock ]; then');
	});

	it('releases only its own lock, read by the shell itself', () => {
		const root = mkdtempSync(path.join(tmpdir(), 'sy-lock-'));
		try {
			expect(sh(takeLock(root, owner))).toBe('SY:locked\n');
			sh(releaseLock(root, 'someone-else'));
			expect(existsSync(path.join(root, '.lock', 'owner.json'))).toBe(true);
			sh(releaseLock(root, 'r1'));
			expect(existsSync(path.join(root, '.lock'))).toBe(false);
			sh(releaseLock(root, 'r1'));
		} finally {
			rmSync(root, { recursive: true, force: true });
		}
	});

	it('arms the watchdog with no process but the detached one, and decides with an atomic mkdir', () => {
		const text = armWatchdog({ root: '/opt/app', token: 'run-1-7', runId: 'run-1', activationSeconds: 610, confirmSeconds: 32.5, revert: "echo 'back'" });
		expect(text).toContain('[ -d /opt/app/.watchdog ] || mkdir -p /opt/app/.watchdog');
		// Activation's deadline, then the confirmation window once the switch marked itself activated.
		expect(text).toContain('i=0; deadline=643; settled=; owner=$1');
		expect(text).toContain('deadline=$((i + 33))');
		expect(text).toContain("( echo '\\''back'\\''");
		expect(text).toContain('(umask 077 && printf');
		expect(text).toContain('$detach sh /opt/app/.watchdog/run-1-7.sh "$$" >/dev/null 2>&1 </dev/null &');
		// It takes a free lock as a run does: a draft naming it, renamed into place; never an empty .lock a run could rename onto.
		expect(text).toContain('mv -T /opt/app/.lock.$$ /opt/app/.lock 2>/dev/null');
		expect(text).not.toContain('mkdir /opt/app/.lock 2>/dev/null');
		expect(() => armWatchdog({ root: '/opt/app', token: 'x;reboot', runId: 'x', activationSeconds: 1, confirmSeconds: 1, revert: 'true' })).toThrow('bad watchdog token');
		expect(confirmWatchdog('/opt/app', 'run-1-7')).toContain('if mkdir /opt/app/.watchdog/run-1-7.decided 2>/dev/null; then echo confirmed > /opt/app/.watchdog/run-1-7.decided/by; echo "SY:watchdog-confirmed"');
	});

	it('quotes a root with spaces and quotes everywhere it appears', () => {
		const root = "/srv/it's here";
		for (const text of [takeLock(root, owner), stageGeneration({ root, id: 3, reuseFrom: 2, shared: ['logs'] }), swapCurrent({ root, to: 3, operator: 'a', reason: 'deploy', release: 'r', at: 't' })]) {
			expect(text).not.toMatch(/[^']\/srv\/it's here/);
			expect(text).toContain("'/srv/it'\\''s here");
		}
	});

	it('stages into a .partial dir, verifies checksums, then renames', () => {
		const text = stageGeneration({ root: '/opt/app', id: 4, reuseFrom: 3, shared: ['logs', 'data/uploads'] });
		const lines = text.split('\n');
		expect(lines[0]).toBe('set -e');
		expect(lines).toContain('for partial in /opt/app/generations/*.partial; do [ ! -e "$partial" ] || rm -rf -- "$partial"; done');
		expect(lines).toContain('tar -x -k -f - -C /opt/app/generations "--transform=flags=rSH;s|^|4.partial/|" || {');
		// Unchanged files come as a list of names, linked from generation 3 by one cp: no process per file.
		expect(lines).toContain('if [ -s /opt/app/generations/4.partial/.switchyard/reuse ]; then');
		expect(lines).toContain('  (cd -- /opt/app/generations/"3" && exec xargs -0 cp -l --parents -t "../4.partial" -- < "../4.partial/.switchyard/reuse") || {');
		expect(lines).toContain('if [ -s .switchyard/sent.sha256 ] && ! sha256sum -c --quiet --strict .switchyard/sent.sha256 >&2; then echo "SY:verify-failed"; exit 1; fi');
		expect(lines).toContain('ln -s -t . -- ../../shared/logs');
		expect(lines).toContain('ln -s -t data -- ../../../shared/data/uploads');
		// The rename comes after verification: a .partial is never mistaken for a generation.
		expect(lines.indexOf('mv -T -- /opt/app/generations/4.partial /opt/app/generations/4')).toBeGreaterThan(lines.findIndex((line) => line.includes('sha256sum')));
		expect(stageGeneration({ root: '/opt/app', id: 1, reuseFrom: null, shared: [] })).not.toContain('xargs');
		expect(discardPartial('/opt/app', 4)).toBe('rm -rf -- /opt/app/generations/4.partial');
	});

	it('swaps current by renaming a new link over it, then logs the switch', () => {
		const text = swapCurrent({ root: '/opt/app', to: 7, operator: 'ann@laptop', reason: 'rollback', release: '20261121-2340-abc', at: '2026-11-21T23:40:00Z' });
		expect(text).toContain('ln -s generations/7 /opt/app/.current.$$');
		expect(text).toContain('mv -T /opt/app/.current.$$ /opt/app/current');
		expect(text).not.toContain('ln -sfn');
		expect(text).toContain(`printf '%s\\t%s\\t%s\\t%s\\t%s\\t%s\\n' 2026-11-21T23:40:00Z ann@laptop "\${from:--}" 7 rollback 20261121-2340-abc >> /opt/app/switches.log`);
	});

	it('activates what the host asks for, as root through the host\'s way in (as it is when the login is root)', () => {
		const text = activateCurrent({
			root: '/opt/oqto',
			host: 'archvm',
			binaries: ['oqto', 'oqto-runner'],
			binDir: 'bin',
			binPrefix: '/usr/local/bin',
			frontend: { dir: 'frontend', webRoot: '/var/www/oqto' },
			services: ['oqto'],
			restart: 'systemctl --user restart {service}',
			runners: ['oqto-runner'],
			afterSwitch: ['echo {host} {release}'],
			values: { host: 'archvm', root: '/opt/oqto', current: '/opt/oqto/current', release: 'rel-1' },
		});
		expect(text).toContain('sy_become() {');
		expect(text).toContain('sy_become root install -m 0755 bin/oqto /usr/local/bin/oqto');
		expect(text).toContain('sy_become root install -m 0755 bin/oqto-runner /usr/local/bin/oqto-runner');
		expect(text).toContain('sy_become root find /var/www/oqto -mindepth 1 -delete');
		expect(text).toContain('sy_become root cp -R frontend/. /var/www/oqto/');
		expect(text).toContain('systemctl --user restart oqto');
		expect(text).toContain('sy_become root pkill -x oqto-runner || true');
		expect(text).not.toContain('sudo -n install');
		expect(text).toContain('echo archvm rel-1');
	});

	it('says in the host log what each step did, with its commands filled in', () => {
		const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-activate-'));
		try {
			const root = path.join(dir, 'my app');
			sh(`mkdir -p "$1/generations/1/bin" "$1/generations/1/web/css" && ln -s generations/1 "$1/current" && echo x > "$1/generations/1/bin/tool" && echo a > "$1/generations/1/web/index.html" && echo b > "$1/generations/1/web/css/site.css"`, root);
			const [prefix, webRoot] = [path.join(dir, 'bin'), path.join(dir, 'www')];
			const text = activateCurrent({
				root,
				host: 'web-1',
				binaries: ['tool'],
				binDir: 'bin',
				binPrefix: prefix,
				frontend: { dir: 'web', webRoot },
				services: ['api', 'worker'],
				restart: 'echo restarting {service} in {root}',
				runners: [],
				afterSwitch: ['echo hook {release}'],
				values: { host: 'web-1', root, current: `${root}/current`, release: 'rel-9' },
			});
			// Root or not, install says how it ran (sudo -n only when not root).
			const sudo = process.getuid?.() === 0 ? '' : 'sudo -n ';
			expect(sh(text).trimEnd().split('\n').filter((line) => !line.startsWith('SY:'))).toEqual([
				`installed bin/tool → ${prefix}/tool (${sudo}install -m 0755)`,
				`frontend synced: web/ → ${webRoot} (emptied, then ${sudo}cp -R: 2 files)`,
				`restart api: echo restarting api in '${root}'`,
				`restarting api in ${root}`,
				`restart worker: echo restarting worker in '${root}'`,
				`restarting worker in ${root}`,
				'after_switch: echo hook rel-9',
				'hook rel-9',
			]);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});

describe('cleanup', () => {
	const live = (...ids: number[]) => ids.map((id) => ({ id, status: 'live' as const }));
	const of = (status: 'failed' | 'declined' | 'staged' | 'reverted' | 'rolled-back-from' | 'unknown', ...ids: number[]) => ids.map((id) => ({ id, status }));
	it('keeps the newest `keep` that went live, current and the last known-good wherever they are', () => {
		expect(generationsToPrune(live(1, 2, 3, 4, 5), 2, 5)).toEqual([1, 2, 3]);
		// Rolled back to 1: 5 stays as the last known-good generation besides current.
		expect(generationsToPrune(live(1, 2, 3, 4, 5), 2, 1)).toEqual([2, 3, 4]);
		expect(generationsToPrune(live(1, 2), 5, 2)).toEqual([]);
		expect(pruneGenerations('/opt/app', [1, 2])).toBe('rm -rf -- /opt/app/generations/1 /opt/app/generations/2');
		expect(pruneGenerations('/opt/app', [])).toBe('true');
	});
	it('prunes generations that never went live first, so failed deploys never push out a good one', () => {
		// 2 is current and good, 1 went live before; 3, 4, 5 failed validation.
		expect(generationsToPrune([...live(1, 2), ...of('failed', 3, 4, 5)], 3, 2)).toEqual([3, 4]);
		// A declined generation newer than current waits for a switch later; older declined ones go.
		expect(generationsToPrune([...live(1, 2), ...of('declined', 3), ...of('failed', 4), ...of('declined', 5)], 3, 2)).toEqual([3]);
		expect(generationsToPrune([...live(1, 2), ...of('failed', 5), ...of('declined', 6), ...live(7)], 3, 7)).toEqual([5, 6]);
		// Generations from before statuses existed count as having gone live.
		expect(generationsToPrune([...of('unknown', 1, 2, 3), ...of('reverted', 4)], 2, 3)).toEqual([1, 4]);
	});
});

describe('strategy builders', () => {
	it('runs a FastDeploy script per service with a 0640 config file that is removed afterwards', async () => {
		const { runDeployScript } = await import('../../source/engine/remote/deploy-script.js');
		const text = runDeployScript({ root: '/srv/fd', to: 3, script: '/srv/fd/services/{service}/deploy.py', services: ['blog'], configFor: (service) => JSON.stringify({ service }), host: 'mini', release: 'r1', values: { host: 'mini', root: '/srv/fd', release: 'r1' } });
		expect(text).toContain('config=$(mktemp "${TMPDIR:-/tmp}/switchyard-deploy.XXXXXX")');
		expect(text).toContain('chmod 0640 "$config"');
		expect(text).toContain(`trap 'rm -f "$config" "$config.rc"' EXIT`);
		expect(text).toContain(`printf '%s\\n' '{"service":"blog"}' > "$config"`);
		// The generation's env reaches the script through its environment (from .env, 0600), never its arguments.
		expect(text).toContain('{ status=0; ( set -a; [ ! -f .env ] || . ./.env; set +a; /srv/fd/services/blog/deploy.py --config "$config" ) 2>&1 || status=$?; echo "$status" > "$config.rc"; } | tee -a /srv/fd/generations/3/.switchyard/steps.log');
	});

	it('switches a nix profile with nix-env and activates it', async () => {
		const { switchNixProfile, deleteNixGenerations } = await import('../../source/engine/remote/nix.js');
		const common = { root: '/var/lib/sy', profile: '/nix/var/nix/profiles/system', reason: 'deploy' as const, release: 'r2', operator: 'ann@x', at: 't', host: 'yoga', afterSwitch: [] };
		const fresh = switchNixProfile({ ...common, to: 4, path: '/nix/store/abc-nixos-system' });
		expect(fresh).toContain('nix-env -p /nix/var/nix/profiles/system --set /nix/store/abc-nixos-system');
		expect(fresh).toContain('/nix/var/nix/profiles/system/bin/switch-to-configuration switch');
		expect(fresh.indexOf('SY:swapped')).toBeLessThan(fresh.indexOf('switch-to-configuration switch'));
		expect(switchNixProfile({ ...common, to: 2, reason: 'rollback' })).toContain('nix-env -p /nix/var/nix/profiles/system --switch-generation 2');
		expect(deleteNixGenerations('/nix/var/nix/profiles/system', [1, 2])).toBe('nix-env -p /nix/var/nix/profiles/system --delete-generations 1 2');
	});
});

describe('staging on the preflight round trip', () => {
	it('waits for "<id> <reuse>" on stdin and stages exactly like a separate upload', async () => {
		const { stageFromHeader } = await import('../../source/engine/remote/stage.js');
		const lines = stageFromHeader({ root: '/opt/app', shared: ['logs'] }).split('\n');
		expect(lines.slice(0, 4)).toEqual([
			'echo "SY:ready"',
			'IFS=" " read -r id reuse how || id=',
			`case "$id" in ''|*[!0-9]*) echo "SY:stage-skipped"; exit 0 ;; esac`,
			`case "$reuse" in -|[0-9]*) ;; *) echo "bad stage header" >&2; exit 1 ;; esac`,
		]);
		expect(lines).toContain('tar -x -k -f - -C "$gens" "--transform=flags=rSH;s|^|$id.partial/|" || {');
		expect(lines).toContain('  (cd -- "$gens"/"$reuse" && exec xargs -0 cp -l --parents -t "../$id.partial" -- < "../$id.partial/.switchyard/reuse") || {');
		expect(lines).toContain('mv -T -- "$gens/$id.partial" "$gens/$id"');
	});

	it('stages nothing when the engine answers no', () => {
		const root = execFileSync('mktemp', ['-d'], { encoding: 'utf8' }).trim();
		return import('../../source/engine/remote/stage.js').then(({ stageFromHeader }) => {
			const output = execFileSync('sh', ['-c', stageFromHeader({ root, shared: [] })], { input: 'no\n', encoding: 'utf8' });
			expect(output).toBe('SY:ready\nSY:stage-skipped\n');
			expect(execFileSync('ls', ['-A', root], { encoding: 'utf8' })).toBe('');
		});
	});
});

describe('service checks', () => {
	it('checks system units, or user units as the deployment user in its session', async () => {
		const { servicesActive } = await import('../../source/engine/remote/run-in-current.js');
		expect(servicesActive(['shop'])).toBe(`systemctl is-active --quiet shop || { echo 'shop is not active' >&2; exit 1; }`);
		expect(servicesActive(['oqto'], { userUnits: true })).toBe(`systemctl --user is-active --quiet oqto || { echo 'oqto is not active' >&2; exit 1; }`);
		const asUser = servicesActive(['oqto', 'oqto-runner'], { userUnits: true, user: 'wismut' });
		expect(asUser).toContain("sy_as_user 'systemctl --user is-active --quiet oqto' || { echo 'oqto is not active' >&2; exit 1; }");
		expect(asUser).toContain('sy_become wismut env XDG_RUNTIME_DIR=/run/user/$sy_uid');
	});
});

describe('digested listing and its guard', () => {
	const run = (text: string) => {
		const stdout = execFileSync('sh', ['-c', text], { encoding: 'utf8' });
		return stdout.trim().split('\n').filter((line) => line.startsWith('SY:')).map((line) => line.slice(3));
	};
	// Text a shell would expand if it were read twice: the digest must be of what was printed.
	const listing = "printf '%s\\n' 'SY:current-id 2' 'SY:gen 2 {\"release\":\"$x `y` \\\\z\"}'";

	it('prints the listing, then the digest of exactly what it printed', () => {
		const markers = run(digestedListing(listing));
		expect(markers.slice(0, 2)).toEqual(['current-id 2', 'gen 2 {"release":"$x `y` \\\\z"}']);
		expect(readListingDigest(markers)).toBe(createHash('sha256').update('SY:current-id 2\nSY:gen 2 {"release":"$x `y` \\\\z"}\n').digest('hex'));
	});

	it('goes on only when the host lists what the digest was read from; otherwise says stale and stops with status 0', () => {
		const digest = readListingDigest(run(digestedListing(listing)))!;
		expect(run(script(digestedListing(listing), unlessListingChanged(digest), "echo 'SY:went on'"))).toContain('went on');
		const changed = run(script(digestedListing(`${listing}; echo 'SY:gen 3 {}'`), unlessListingChanged(digest), "echo 'SY:went on'"));
		expect(readStale(changed)).toBe(true);
		expect(changed).not.toContain('went on');
	});

	it('reads the opening listing and the last one of a script that listed twice apart', () => {
		const markers = ['locked', 'current-id 2', 'listing a', 'swapped 2', 'current-id 1', 'listing b'];
		expect(throughFirstListing(markers)).toEqual(['locked', 'current-id 2', 'listing a']);
		expect(afterFirstListing(markers)).toEqual(['swapped 2', 'current-id 1', 'listing b']);
		expect(lastListing(markers)).toEqual(['swapped 2', 'current-id 1', 'listing b']);
	});
});
