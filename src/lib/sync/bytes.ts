// Base64 and change hashes with only what both browsers and Node (20+) have: btoa/atob and
// a SHA-256 in plain JS. Change sets travel as base64 text (B2: PostgREST would send bytea as hex).

import * as sha256 from 'fast-sha256';

const CHUNK = 0x8000;

type NativeBase64 = { toBase64?: (this: Uint8Array) => string };
type NodeBuffer = { from(b: ArrayBufferLike, o: number, l: number): { toString(enc: 'base64'): string } };

export function toBase64(bytes: Uint8Array): string {
	// Native encoders first (Uint8Array.prototype.toBase64 in current browsers, Buffer in Node):
	// ~10× faster than the portable loop on multi-megabyte pushes.
	const native = (Uint8Array.prototype as NativeBase64).toBase64;
	if (native) return native.call(bytes);
	const buffer = (globalThis as { Buffer?: NodeBuffer }).Buffer;
	if (buffer) return buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
	let binary = '';
	// String.fromCharCode takes arguments; chunks keep the call within engines' argument limits.
	for (let i = 0; i < bytes.length; i += CHUNK) {
		binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
	}
	return btoa(binary);
}

/** Decodes base64, or returns null for text that is not base64 (untrusted input never throws here). */
export function fromBase64(text: string): Uint8Array | null {
	let binary: string;
	try {
		binary = atob(text.replace(/\s+/g, ''));
	} catch {
		return null;
	}
	const out = new Uint8Array(binary.length);
	for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
	return out;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const hex = (bytes: Uint8Array): string => {
	let out = '';
	for (const b of bytes) out += HEX[b];
	return out;
};

/**
 * The Automerge hash of a change chunk: SHA-256 of everything after magic and checksum (bytes[8:]),
 * as the server computes it. Lets a client check a pulled change's data against its hash cheaply,
 * before handing it to Automerge. Synchronous (a typed-array SHA-256, the one automerge-repo
 * uses): WebCrypto's digest costs a thread-pool round trip per call, which for a change set of a
 * hundred bytes is ~50× the hashing itself, on every pulled change.
 */
export function changeHashSync(bytes: Uint8Array): string | null {
	if (bytes.length < 10) return null;
	return hex(sha256.hash(bytes.subarray(8)));
}

/** changeHashSync as a promise (the signature callers had when this used WebCrypto). */
export async function changeHash(bytes: Uint8Array): Promise<string | null> {
	return changeHashSync(bytes);
}
