// Stops every demo service started under .fleet/ (npm run demo:stop).
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

const fleet = process.argv[2] ?? '.fleet';
if (!existsSync(fleet)) process.exit(0);
for (const host of readdirSync(fleet)) {
	const pidfile = path.join(fleet, host, 'shared', 'run', 'demo.pid');
	if (!existsSync(pidfile)) continue;
	const pid = Number(readFileSync(pidfile, 'utf8'));
	try {
		process.kill(pid);
		console.log(`stopped ${host} (pid ${pid})`);
	} catch {
		console.log(`${host}: not running`);
	}
	rmSync(pidfile, { force: true });
}
