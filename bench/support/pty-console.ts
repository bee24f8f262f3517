import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

/** Cursor moves, erases, colours and charset switches: what a screen's text is drawn with. */
// eslint-disable-next-line no-control-regex -- escape sequences are what is removed
const escapes = /\u001B\[[0-9;?]*[A-Za-z]|\u001B[()][A-Z0-9]|\r/g;

/**
 * A command in a real terminal without a terminal emulator to poll: util-linux `script` gives
 * it a pty of the size asked for, relays what is typed and hands back every byte it draws. The
 * benches read the screen from that stream as it arrives, so timing a key costs no process
 * per look (a tmux `capture-pane` every few ms is a process each, which on a busy machine is
 * most of what gets measured).
 */
export class PtyConsole {
	private readonly child: ChildProcessByStdio<Writable, Readable, null>;
	/** What it drew most recently, escape sequences removed (the tail of the stream). */
	private text = '';
	private lastOutputAt = performance.now();
	private waiters: { test: (text: string) => boolean; resolve: (at: number) => void }[] = [];
	readonly exited: Promise<number | null>;

	constructor(command: string, options: { cwd: string; columns: number; rows: number; env?: NodeJS.ProcessEnv }) {
		const sized = `stty cols ${options.columns} rows ${options.rows}; exec ${command}`;
		this.child = spawn('script', ['-qfec', sized, '/dev/null'], { cwd: options.cwd, env: { ...terminalEnvironment(), ...options.env, TERM: 'xterm-256color' }, stdio: ['pipe', 'pipe', 'inherit'] });
		this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
			const at = performance.now();
			this.lastOutputAt = at;
			this.text = (this.text + chunk.replace(escapes, '')).slice(-64 * 1024);
			this.waiters = this.waiters.filter((waiter) => {
				if (!waiter.test(this.text)) return true;
				waiter.resolve(at);
				return false;
			});
		});
		this.exited = new Promise((resolve) => this.child.on('close', resolve));
	}

	/** The latest lines drawn (the stream's tail, as text). */
	get screen(): string {
		return this.text;
	}

	/** Resolves with the moment the drawn text first passes `test` (now, if it already does). */
	until(test: (text: string) => boolean, timeoutMs: number, what: string): Promise<number> {
		if (test(this.text)) return Promise.resolve(performance.now());
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`the terminal never showed ${what}; last drawn:\n${this.text.slice(-3000)}`)), timeoutMs);
			this.waiters.push({ test, resolve: (at) => (clearTimeout(timer), resolve(at)) });
		});
	}

	/** Resolves once nothing has been drawn for `quietMs`. */
	async quiet(quietMs: number): Promise<void> {
		while (performance.now() - this.lastOutputAt < quietMs) await new Promise((resolve) => setTimeout(resolve, 50));
	}

	type(keys: string): void {
		this.child.stdin.write(keys);
	}

	/** Forgets what was drawn so far: the next `until` sees only what comes after. */
	forget(): void {
		this.text = '';
	}

	kill(): void {
		this.child.kill('SIGKILL');
	}
}

/** Ink draws nothing when it thinks it runs in CI. */
function terminalEnvironment(): NodeJS.ProcessEnv {
	const env = { ...process.env };
	delete env.CI;
	delete env.CONTINUOUS_INTEGRATION;
	return env;
}
