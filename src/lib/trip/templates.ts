// Built-in packing templates. Data only; templates-apply.ts turns one into a trip. Items are shared
// group items whose quantities come from rules, so the list scales with people and days.
import type { RuleKind } from './schema';

export interface TemplateRule {
	kind: RuleKind;
	amount: number;
	minDays?: number;
	maxDays?: number;
}

export interface TemplateItem {
	name: string;
	/** Used when there is no rule. */
	quantity?: number;
	rule?: TemplateRule;
	notes?: string;
}

export interface TemplateCategory {
	name: string;
	items: TemplateItem[];
}

export interface Template {
	id: string;
	name: string;
	description: string;
	categories: TemplateCategory[];
}

const each = (amount = 1): TemplateRule => ({ kind: 'perPerson', amount });
const daily = (amount = 1): TemplateRule => ({
	kind: 'perPersonPerDay',
	amount,
});
const once = (amount = 1): TemplateRule => ({ kind: 'perTrip', amount });
const item = (name: string, rule?: TemplateRule, notes?: string): TemplateItem => ({
	name,
	rule,
	notes,
});

const DOCUMENTS: TemplateCategory = {
	name: 'Documents',
	items: [
		item('Passport or ID card', each()),
		item('Tickets and booking confirmations', once()),
		item('Travel insurance details', once()),
		item('Bank card and some cash', each()),
	],
};

const TOILETRIES: TemplateCategory = {
	name: 'Toiletries',
	items: [
		item('Toothbrush', each()),
		item('Toothpaste', once()),
		item('Deodorant', each()),
		item('Shampoo', once()),
		item('Medication', each(), 'Enough for the whole trip plus two days'),
	],
};

const ELECTRONICS: TemplateCategory = {
	name: 'Electronics',
	items: [item('Phone charger', each()), item('Power bank', once()), item('Travel adapter', once())],
};

export const BUILT_IN_TEMPLATES: readonly Template[] = [
	{
		id: 'city-weekend',
		name: 'Weekend city break',
		description: 'Two or three nights in a city: light bag, walking shoes, a going-out outfit.',
		categories: [
			DOCUMENTS,
			{
				name: 'Clothes',
				items: [
					item('T-shirts', daily()),
					item('Underwear', daily()),
					item('Socks', daily()),
					item('Trousers or jeans', each()),
					item('Going-out outfit', each()),
					item('Light jacket', each()),
					item('Comfortable walking shoes', each()),
				],
			},
			TOILETRIES,
			ELECTRONICS,
			{
				name: 'Bag',
				items: [item('Day bag', each()), item('Reusable water bottle', each()), item('Umbrella', once())],
			},
		],
	},
	{
		id: 'beach-week',
		name: 'Beach week',
		description: 'A week by the sea: sun protection, swimwear, light clothes.',
		categories: [
			DOCUMENTS,
			{
				name: 'Clothes',
				items: [
					item('T-shirts', daily()),
					item('Underwear', daily()),
					item('Shorts', each(3)),
					item('Swimsuit', each(2)),
					item('Sandals', each()),
					item('Sun hat', each()),
					item('Light evening layer', each()),
				],
			},
			{
				name: 'Beach',
				items: [
					item('Sunscreen SPF 50', {
						kind: 'perPerson',
						amount: 1,
						minDays: 5,
					}),
					item('Sunscreen SPF 50 (travel size)', {
						kind: 'perTrip',
						amount: 1,
						maxDays: 4,
					}),
					item('After-sun lotion', once()),
					item('Beach towel', each()),
					item('Sunglasses', each()),
					item('Snorkel and mask', each(), 'Optional'),
					item('Beach bag', once()),
				],
			},
			TOILETRIES,
			ELECTRONICS,
		],
	},
	{
		id: 'hiking-camping',
		name: 'Hiking and camping',
		description: 'Nights under canvas: shelter, sleep system, cooking, layers.',
		categories: [
			{
				name: 'Shelter and sleep',
				items: [
					item('Tent', once(), 'Check poles and pegs before leaving'),
					item('Sleeping bag', each()),
					item('Sleeping mat', each()),
					item('Head torch', each()),
					item('Spare batteries', once(2)),
				],
			},
			{
				name: 'Kitchen',
				items: [
					item('Stove and gas', once()),
					item('Lighter and matches', once()),
					item('Pot and pan', once()),
					item('Mug, bowl and spork', each()),
					item('Water filter', once()),
					item('Dehydrated meals', { kind: 'perPersonPerDay', amount: 2 }),
				],
			},
			{
				name: 'Clothes',
				items: [
					item('Hiking boots', each()),
					item('Hiking socks', daily()),
					item('Base layer', each(2)),
					item('Fleece', each()),
					item('Waterproof jacket', each()),
					item('Warm hat', each()),
				],
			},
			{
				name: 'Safety',
				items: [
					item('First-aid kit', once()),
					item('Map and compass', once()),
					item('Insect repellent', once()),
					item('Emergency blanket', each()),
				],
			},
			TOILETRIES,
		],
	},
	{
		id: 'winter-ski',
		name: 'Winter ski trip',
		description: 'A week on the slopes: ski gear, warm layers, après-ski.',
		categories: [
			DOCUMENTS,
			{
				name: 'Ski gear',
				items: [
					item('Ski jacket', each()),
					item('Ski trousers', each()),
					item('Ski gloves', each()),
					item('Goggles', each()),
					item('Helmet', each(), 'Or rent on site'),
					item('Ski socks', daily()),
					item('Lift pass', each()),
				],
			},
			{
				name: 'Layers',
				items: [
					item('Thermal base layer', each(2)),
					item('Mid layer fleece', each()),
					item('Neck warmer', each()),
					item('Beanie', each()),
					item('Snow boots', each()),
				],
			},
			{
				name: 'Care',
				items: [
					item('Lip balm with SPF', each()),
					item('Sunscreen', once()),
					item('Hand warmers', {
						kind: 'perPersonPerDay',
						amount: 1,
						minDays: 3,
					}),
				],
			},
			TOILETRIES,
			ELECTRONICS,
		],
	},
	{
		id: 'business',
		name: 'Business trip',
		description: 'Meetings away from home: smart clothes, laptop, paperwork.',
		categories: [
			DOCUMENTS,
			{
				name: 'Clothes',
				items: [
					item('Shirts or blouses', daily()),
					item('Suit or smart outfit', each()),
					item('Smart shoes', each()),
					item('Underwear', daily()),
					item('Socks', daily()),
					item('Casual evening outfit', each(), 'For dinners'),
				],
			},
			{
				name: 'Work',
				items: [
					item('Laptop and charger', each()),
					item('Presentation clicker', once()),
					item('Business cards', each()),
					item('Notebook and pen', each()),
					item('Headphones', each()),
				],
			},
			TOILETRIES,
			ELECTRONICS,
		],
	},
	{
		id: 'family-kids',
		name: 'Family with babies and kids',
		description: 'Travelling with little ones: nappies, feeding, sleep, entertainment.',
		categories: [
			DOCUMENTS,
			{
				name: 'Baby',
				items: [
					{ name: 'Nappies', quantity: 30, notes: 'About six a day per baby' },
					item('Wipes', once(2)),
					item('Changing mat', once()),
					item('Baby bottles', once(3)),
					item('Formula or baby food', once()),
					item('Dummies', once(2)),
					item('Baby carrier or sling', once()),
					item('Travel cot', once(), 'Check whether the accommodation has one'),
				],
			},
			{
				name: 'Kids',
				items: [
					item('Spare clothes', daily(2)),
					item('Pyjamas', each()),
					item('Favourite cuddly toy', each()),
					item('Books and colouring', once()),
					item('Snacks for the journey', once()),
					item('Tablet with downloaded films', once()),
				],
			},
			{
				name: 'Health',
				items: [
					item('Children’s paracetamol', once()),
					item('Thermometer', once()),
					item('Plasters', once()),
					item('Sun cream for kids', once()),
				],
			},
			TOILETRIES,
		],
	},
];

export function findTemplate(id: string): Template | undefined {
	return BUILT_IN_TEMPLATES.find((t) => t.id === id);
}
