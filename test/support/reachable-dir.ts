import { chmodSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot as repo } from '../fleet/fleet.js';

/**
 * Whether every account can get to `dir`: each directory from `/` down to it lets others search
 * it (o+x). A checkout under root's home (0700) or a `mktemp -d` parent is not: a second account
 * could not reach a host root there, nor run a login shell or read authorized_keys from it.
 */
export function reachableByAll(dir: string): boolean {
	for (let at = path.resolve(dir); ; at = path.dirname(at)) {
		try {
			if ((statSync(at).mode & 0o001) === 0) return false;
		} catch {
			return false;
		}
		if (at === path.dirname(at)) return true;
	}
}

/**
 * A fresh directory (0755) that every account can reach, for tests whose hosts are used by a
 * second account (its root, its login shell, authorized_keys): under the checkout's test/.tmp when
 * that is reachable, else under the system's temp dir (/tmp is 1777), whatever the checkout's
 * parent is. The caller removes it.
 */
export function reachableTempDir(prefix: string): string {
	const local = path.join(repo, 'test', '.tmp');
	mkdirSync(local, { recursive: true });
	const candidates = [local, tmpdir(), '/tmp'];
	const base = candidates.find(reachableByAll);
	if (base === undefined) throw new Error(`no directory every account can reach among ${candidates.join(', ')}: tests with a second account need one`);
	const dir = mkdtempSync(path.join(base, prefix));
	// mkdtemp makes it 0700.
	chmodSync(dir, 0o755);
	return dir;
}
