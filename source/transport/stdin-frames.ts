import { Transform, type TransformCallback } from 'node:stream';
import { endOfStdin, stdinFrame } from './shell-protocol.js';

/**
 * Largest frame. Every frame costs the host one `head` process, so they are big; each is one
 * buffer and one write, so the SSH layer sends full packets (a tar of small files arrives in
 * 512-byte pieces: as packets of their own they swamp a busy sshd) and a request written between
 * frames can never land inside one.
 */
const maxFrameBytes = 1024 * 1024;
/** A frame goes out when the source has been quiet this long (a header line, a "no", a slow source). */
const quietMs = 20;

/**
 * Turns a byte stream into the supervisor's stdin frames (see shell-protocol.ts), ending with
 * the end-of-stdin frame. Chunks are gathered into frames of up to 1 MB while they keep coming.
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

	/** Ends the frames without what is gathered but not yet sent (a cancelled command needs no more input). */
	discard(): void {
		if (this.writableEnded) return;
		clearTimeout(this.timer);
		this.gathered = [];
		this.size = 0;
		this.end();
	}

	private sendFrame(): void {
		clearTimeout(this.timer);
		this.timer = undefined;
		if (this.size === 0) return;
		const chunks = this.gathered;
		const size = this.size;
		this.gathered = [];
		this.size = 0;
		this.push(stdinFrame(chunks, size));
	}
}
