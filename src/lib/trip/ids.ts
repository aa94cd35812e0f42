// Branded identifiers for the trip document, and the trip id ⇄ automerge-repo DocumentId mapping.
//
// Every id below is a plain string at runtime; the brand only stops the compiler from passing an
// ItemId where a PersonId is expected. Ids inside a document are short random strings (not UUIDs)
// because each one is stored in every change that mentions it: 12 base-62 characters carry ~71 bits,
// plenty for the few thousand objects a trip holds, at a third of a UUID's bytes.
// slim: no wasm needed for ids, and the service worker must not pull in the wasm's top-level await.
import { documentIdToBinary, interpretAsDocumentId } from '@automerge/automerge-repo/slim';
import type { BinaryDocumentId, DocumentId } from '@automerge/automerge-repo/slim';

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A trip: the canonical lowercase UUID made on the client (stored in the trips table and in the doc). */
export type TripId = Brand<string, 'TripId'>;
/** A person on a trip (member or not). Stored as the key of `people`. */
export type PersonId = Brand<string, 'PersonId'>;
/** A packing item. Stored as the key of `items`. */
export type ItemId = Brand<string, 'ItemId'>;
/** A category. Stored as the key of `categories` and in `categoryOrder`. */
export type CategoryId = Brand<string, 'CategoryId'>;
/** A quantity rule. Stored as the key of `rules`. */
export type RuleId = Brand<string, 'RuleId'>;
/** An activity within one day of the plan. */
export type ActivityId = Brand<string, 'ActivityId'>;
/** A Supabase auth user (UUID). Shown nowhere; links a person to a signed-in member. */
export type UserId = Brand<string, 'UserId'>;
/** A calendar date as `YYYY-MM-DD`, no time zone: trips are planned in local days. */
export type IsoDate = Brand<string, 'IsoDate'>;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A fresh random id, 12 base-62 characters. */
export function randomId(): string {
	// 248 is the largest multiple of 62 below 256: rejecting bytes above it keeps every digit uniform.
	let out = '';
	while (out.length < 12) {
		const bytes = crypto.getRandomValues(new Uint8Array(16));
		for (const b of bytes) {
			if (b < 248 && out.length < 12) out += ALPHABET[b % 62];
		}
	}
	return out;
}

export const newPersonId = (): PersonId => randomId() as PersonId;
export const newItemId = (): ItemId => randomId() as ItemId;
export const newCategoryId = (): CategoryId => randomId() as CategoryId;
export const newRuleId = (): RuleId => randomId() as RuleId;
export const newActivityId = (): ActivityId => randomId() as ActivityId;

/**
 * The person a member is in every trip: the user id's 16 bytes in base 62 (22 characters). Derived,
 * not random, so two devices of one user that join (or create) a trip each offline write the same
 * person instead of two "me"s. Throws for anything but a UUID.
 */
export function personIdForUser(userId: string): PersonId {
	const uuid = parseTripId(userId);
	if (!uuid) throw new RangeError('a person id is derived from a user id (UUID)');
	let n = BigInt(`0x${uuid.replace(/-/g, '')}`);
	let out = '';
	for (let i = 0; i < 22; i++) {
		out = ALPHABET[Number(n % 62n)] + out;
		n /= 62n;
	}
	return out as PersonId;
}

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Whether `value` may be used as an object id inside a document. Besides the character set, this
 * rejects names such as `__proto__` or `constructor`: a malicious peer could otherwise make the
 * validating view write through to Object.prototype.
 */
export function isDocId(value: unknown): value is string {
	return (
		typeof value === 'string' &&
		ID_PATTERN.test(value) &&
		!Object.prototype.hasOwnProperty.call(Object.prototype, value)
	);
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isUuid(value: unknown): value is string {
	return typeof value === 'string' && UUID_PATTERN.test(value.toLowerCase());
}

export function isTripId(value: unknown): value is TripId {
	return typeof value === 'string' && UUID_PATTERN.test(value);
}

export function isUserId(value: unknown): value is UserId {
	return typeof value === 'string' && UUID_PATTERN.test(value);
}

/** A new trip id: a random (v4) UUID, so trips can be created offline without asking the server. */
export function newTripId(): TripId {
	return crypto.randomUUID().toLowerCase() as TripId;
}

/** Parses any-case UUID text into the canonical lowercase TripId, or null. */
export function parseTripId(value: string): TripId | null {
	const lower = value.trim().toLowerCase();
	return UUID_PATTERN.test(lower) ? (lower as TripId) : null;
}

function uuidToBytes(uuid: string): Uint8Array {
	const hex = uuid.replace(/-/g, '');
	const bytes = new Uint8Array(16);
	for (let i = 0; i < 16; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
	return bytes;
}

function bytesToUuid(bytes: Uint8Array): string {
	const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The automerge-repo DocumentId of a trip: bs58check of the UUID's 16 bytes. We pass the bytes
 * rather than the UUID text because automerge-repo treats UUID strings as a deprecated legacy form.
 */
export function tripIdToDocumentId(tripId: TripId): DocumentId {
	return interpretAsDocumentId(uuidToBytes(tripId) as BinaryDocumentId);
}

/** The trip id behind a DocumentId, or null when it is not a valid 16-byte DocumentId. */
export function documentIdToTripId(documentId: DocumentId | string): TripId | null {
	let bytes: Uint8Array | undefined;
	try {
		bytes = documentIdToBinary(documentId as DocumentId);
	} catch {
		return null;
	}
	return bytes && bytes.length === 16 ? (bytesToUuid(bytes) as TripId) : null;
}
