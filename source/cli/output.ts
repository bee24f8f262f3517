/**
 * Standard output for headless runs. When the reader goes away (`| head`, a closed terminal)
 * writes fail with EPIPE: from then on output is dropped and whoever listens is told, so a run
 * can cancel cleanly (locks released, record complete) instead of dying mid-way.
 */
export class Output {
	private isClosed = false;
	private readonly listeners = new Set<() => void>();

	constructor(private readonly stream: NodeJS.WriteStream) {
		stream.on('error', (error: NodeJS.ErrnoException) => {
			if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
			this.close();
		});
	}

	get closed(): boolean {
		return this.isClosed;
	}

	write(text: string): void {
		if (!this.isClosed) this.stream.write(text);
	}

	onClosed(listener: () => void): void {
		this.listeners.add(listener);
		if (this.isClosed) listener();
	}

	offClosed(listener: () => void): void {
		this.listeners.delete(listener);
	}

	private close(): void {
		if (this.isClosed) return;
		this.isClosed = true;
		for (const listener of [...this.listeners]) listener();
	}
}
