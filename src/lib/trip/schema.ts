// The shape of a trip: `TripDoc` is what is stored in the Automerge document (and what operations
// write); `TripView` is what the UI reads, produced by `readTrip` from any document, however broken.
//
// Why this shape (see ARCHITECTURE §3): collections are maps keyed by random id so concurrent adds
// union instead of colliding; orders are separate lists of ids so reordering never rewrites the
// objects; names, notes and plan text are Automerge text so concurrent edits merge per character;
// quantities computed by rules are never stored, so changing dates or people needs no write.
import type { ActivityId, CategoryId, IsoDate, ItemId, PersonId, RuleId, TripId, UserId } from './ids';

/** The version this code writes (the genesis's). Readers accept any version; see migrations.ts. */
export const CURRENT_SCHEMA_VERSION = 2;

/** An item belongs to one person, or is shared by the group (packed by whoever takes it). */
export type Owner = PersonId | 'shared';
export const SHARED = 'shared' as const;

export const RULE_KINDS = ['perPerson', 'perPersonPerDay', 'perTrip'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

// ---- stored document -------------------------------------------------------------------------

export interface TripMetaDoc {
	name: string;
	destination: string;
	/** `YYYY-MM-DD`, or '' while undecided. */
	startDate: string;
	endDate: string;
}

export interface PersonDoc {
	name: string;
	colour: string;
	/** The Supabase user this person is, when they are a member; null for e.g. children. */
	userId: UserId | null;
}

export interface CategoryDoc {
	name: string;
}

export interface ItemDoc {
	name: string;
	categoryId: CategoryId;
	owner: Owner;
	/** Manual quantity, used when no rule applies and no override is set. */
	quantity: number;
	notes: string;
	/**
	 * Packed state per person. Booleans rather than key presence, so that a concurrent pack and
	 * unpack surface as a conflict instead of one silently winning.
	 */
	packed: Record<string, boolean>;
	createdBy: PersonId | null;
	/** Milliseconds since the epoch, from the creating device's clock (advisory only). */
	createdAt: number | null;
}

export interface RuleDoc {
	itemId: ItemId;
	kind: RuleKind;
	amount: number;
	/** Applies only when the trip lasts at least / at most this many days. */
	minDays: number | null;
	maxDays: number | null;
	/** Counts only these people; null means everyone on the trip. */
	people: PersonId[] | null;
}

export interface ActivityDoc {
	id: ActivityId;
	text: string;
}

/** Schema 1 stored one of these per date in `plan`, created lazily; still read, never created. */
export interface PlanDayDoc {
	text: string;
	activities: ActivityDoc[];
}

/**
 * Part of one day's plan. Keyed by a random id, not by the date: two people who start the same
 * day at once each create their own entry, and the day shows both (see ops/plan.ts).
 */
export interface PlanEntryDoc {
	date: IsoDate;
	text: string;
	activities: ActivityDoc[];
}

export interface TripDoc {
	schemaVersion: number;
	tripId: TripId;
	meta: TripMetaDoc;
	people: Record<string, PersonDoc>;
	categoryOrder: CategoryId[];
	categories: Record<string, CategoryDoc>;
	items: Record<string, ItemDoc>;
	/** Item ids per category, in display order. The item's `categoryId` is the truth; see readTrip. */
	itemOrder: Record<string, ItemId[]>;
	rules: Record<string, RuleDoc>;
	/** Manual quantity overrides by item; an override wins over rules until cleared. */
	overrides: Record<string, number>;
	/** Plan entries by random id; each names its date. */
	planEntries: Record<string, PlanEntryDoc>;
	/** Schema 1's plan by date; absent from trips made from the genesis. */
	plan?: Record<string, PlanDayDoc>;
	notes: string;
	/** Automerge actor id → the person who wrote with it, so conflicts and history can name people. */
	actors: Record<string, PersonId>;
}

// ---- validated view --------------------------------------------------------------------------

export type QuantitySource = 'rule' | 'override' | 'manual';

export interface QuantityView {
	/** Sum of the item's applicable rules, or null when the item has no rules. */
	ruleQuantity: number | null;
	overrideQuantity: number | null;
	manualQuantity: number;
	effective: number;
	source: QuantitySource;
}

export interface PersonView {
	id: PersonId;
	name: string;
	colour: string;
	userId: UserId | null;
}

export interface CategoryView {
	id: CategoryId;
	name: string;
	/** Items of this category in display order (repaired: no duplicates, no strangers). */
	itemIds: ItemId[];
	/** True for the stand-in that collects items whose category no longer exists. */
	synthetic: boolean;
}

export interface ItemView {
	id: ItemId;
	name: string;
	categoryId: CategoryId;
	owner: Owner;
	quantity: QuantityView;
	notes: string;
	/** People who ticked this item, in trip order. */
	packedBy: PersonId[];
	/**
	 * Personal items: packedBy is [owner] or [] (anyone may tick it for them, e.g. a parent for a
	 * child). Shared items: everyone who ticked it, packed when anyone has.
	 */
	packed: boolean;
	createdBy: PersonId | null;
	createdAt: number | null;
}

export interface RuleView {
	id: RuleId;
	itemId: ItemId;
	kind: RuleKind;
	amount: number;
	minDays: number | null;
	maxDays: number | null;
	people: PersonId[] | null;
}

export interface ActivityView {
	id: ActivityId;
	text: string;
}

export interface PlanDayView {
	date: IsoDate;
	text: string;
	activities: ActivityView[];
	/** False for entries left behind when the dates moved; kept, not deleted, so nothing is lost. */
	inRange: boolean;
}

export interface TripView {
	schemaVersion: number;
	tripId: TripId | null;
	name: string;
	destination: string;
	startDate: IsoDate | null;
	endDate: IsoDate | null;
	/**
	 * Inclusive length in days (1 to 366), or null while the dates are unset. A range a peer wrote
	 * inverted or longer than 366 days shows its start only (endDate null), as the ops would allow.
	 */
	days: number | null;
	/** People in a stable display order (by name, then id; the same on every device and locale). */
	people: PersonView[];
	peopleById: Record<string, PersonView>;
	categories: CategoryView[];
	items: Record<string, ItemView>;
	rules: RuleView[];
	plan: PlanDayView[];
	notes: string;
}

/** Id of the stand-in category for orphaned items; not a valid generated id (it has a colon). */
export const ORPHAN_CATEGORY_ID = 'uncategorized:' as CategoryId;
export const ORPHAN_CATEGORY_NAME = 'Other';
