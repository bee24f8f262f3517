import { Transform, type TransformCallback } from 'node:stream';
import { endOfStdin, stdinFrame } from './shell-protocol.js';

/** Largest frame: every frame costs the host one `head` process, so they are made big. */
const maxFrameBytes = 4 * 1024 * 1024;
/** A frame goes out when the source has been quiet this long (a header line, a "no", a slow source). */
const quietMs = 20;

/**
 * Turns a byte stream into the remote shell's stdin frames (see shell-protocol.ts), ending with
 * the end-of-stdin frame. Chunks are gathered into frames of up to 4 MB while they keep coming.
 */
export class StdinFrames extends Transform {
	private gathered: Buffer[] = [];
	private size = 0;
	private timer: NodeJS.Timeout | undefined;

	override _transform(chunk: Buffer | string, _encoding: BufferEncoding, done: TransformCallback): void {
		const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
		if (data.length > 0) {
			this.gathered.push(data);
			this.size += data.length;
		}
		clearTimeout(this.timer);
		if (this.size >= maxFrameBytes) this.sendFrame();
		else this.timer = setTimeout(() => this.sendFrame(), quietMs);
		done();
	}

	override _flush(done: TransformCallback): void {
		this.sendFrame();
		this.push(endOfStdin);
		done();
	}

	override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
		clearTimeout(this.timer);
		done(error);
	}

	private sendFrame(): void {
		clearTimeout(this.timer);
		this.timer = undefined;
		if (this.size === 0) return;
		const chunks = this.gathered;
		const size = this.size;
		this.gathered = [];
		this.size = 0;
		// The chunks go out as they are: copying megabytes into one buffer costs more than it saves.
		for (const part of stdinFrame(size, chunks)) this.push(part);
	}
}
