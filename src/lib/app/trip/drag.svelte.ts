// The item being dragged, shared by the rows of every category (drops may cross categories).
export const dragState: { itemId: import('$lib/trip').ItemId | null } = $state({ itemId: null });
