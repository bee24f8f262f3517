import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';

export interface TmuxStart {
	/** The shell command run in the pane. */
	readonly command: string;
	readonly cwd: string;
	readonly columns?: number;
	readonly rows?: number;
	readonly env?: Readonly<Record<string, string>>;
}

/**
 * The pane is a real terminal, so what runs in it must not think it runs in CI: Ink draws no
 * frames when CI or CONTINUOUS_INTEGRATION is set. The tmux server hands its own environment
 * to the pane, so they are left out of it.
 */
function terminalEnvironment(): NodeJS.ProcessEnv {
	const env = { ...process.env };
	delete env.CI;
	delete env.CONTINUOUS_INTEGRATION;
	delete env.TMUX;
	return env;
}

type ScreenTest = string | RegExp | ((screen: string) => boolean);

/**
 * A real terminal for the console: one tmux session on a private socket (`-L`), so it never
 * touches the operator's own tmux server, at a fixed size, driven with `send-keys` and read
 * with `capture-pane`.
 */
export class TmuxTerminal {
	readonly socket = `switchyard-${process.pid}-${randomBytes(4).toString('hex')}`;
	readonly session = 'console';

	static start(options: TmuxStart): TmuxTerminal {
		const terminal = new TmuxTerminal();
		const env = Object.entries(options.env ?? {}).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
		// A private server reads no user config (-f /dev/null): the operator's key bindings or
		// status line must not change what the pane shows.
		execFileSync('tmux', ['-L', terminal.socket, '-f', '/dev/null', 'new-session', '-d', '-s', terminal.session, '-x', String(options.columns ?? 100), '-y', String(options.rows ?? 30), '-c', options.cwd, ...env, options.command], {
			env: terminalEnvironment(),
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		terminal.tmux('set-option', '-t', terminal.session, 'status', 'off');
		return terminal;
	}

	tmux(...args: string[]): string {
		return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
	}

	/** The visible screen as text; `ansi` keeps colours and attributes as SGR sequences. */
	capture(options: { ansi?: boolean } = {}): string {
		return this.tmux('capture-pane', '-p', ...(options.ansi ? ['-e'] : []), '-t', this.session);
	}

	/** tmux's key names: 'Space', 'Enter', 'Down', 'Escape', or literal characters. */
	send(...keys: string[]): void {
		this.tmux('send-keys', '-t', this.session, ...keys);
	}

	/** A format variable of the pane, e.g. `alternate_on`, `cursor_flag`, `pane_dead`. */
	pane(variable: string): string {
		return this.tmux('display-message', '-p', '-t', this.session, `#{${variable}}`).trim();
	}

	/** Polls the screen until it passes `test`; fails with the last screen, what the operator saw. */
	async waitFor(test: ScreenTest, timeoutMs = 15_000, what = String(test)): Promise<string> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const screen = this.capture();
			if (typeof test === 'string' ? screen.includes(test) : test instanceof RegExp ? test.test(screen) : test(screen)) return screen;
			if (Date.now() > deadline) throw new Error(`the terminal never showed ${what}; last screen:\n${screen}`);
			await new Promise((resolve) => setTimeout(resolve, 25));
		}
	}

	/**
	 * Sends one key and waits for its visible effect. Keys go one at a time: a burst can arrive
	 * in one read and the console handles a key only after the previous one has rendered.
	 */
	async press(key: string, effect: ScreenTest, timeoutMs?: number): Promise<string> {
		this.send(key);
		return this.waitFor(effect, timeoutMs, `${String(effect)} after ${key}`);
	}

	/** Ends the server and removes its socket file, which tmux leaves behind in /tmp. */
	kill(): void {
		let socketPath = '';
		try {
			socketPath = this.tmux('display-message', '-p', '#{socket_path}').trim();
			this.tmux('kill-server');
		} catch {
			// Already gone: the last session ended with its command.
		}
		if (socketPath) rmSync(socketPath, { force: true });
	}
}

/** The tile of `host` on a console screen: its name line, and `offset` lines below it, cut to the tile's width. */
export function tileLine(screen: string, host: string, offset: number): string {
	const lines = screen.split('\n');
	const row = lines.findIndex((line) => new RegExp(`[○◉] ${host} `).test(line));
	if (row < 0) return '';
	const column = lines[row]!.indexOf(`${host} `);
	return (lines[row + offset] ?? '').slice(Math.max(0, column - 4), column + 30);
}
