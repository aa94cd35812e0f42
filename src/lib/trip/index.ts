// The trip document's public surface. The UI imports from here; modules import each other directly.
export * from './ids';
export * from './dates';
export * from './schema';
export { parseChangeMessage, type ChangeMessage } from './messages';
export { defineOp, isTripOpError, TripOpError, type OpContext, type Recipe, type TripOp } from './op';
export * from './ops/meta';
export * from './ops/people';
export * from './ops/categories';
export * from './ops/items';
export * from './ops/rules';
export * from './ops/plan';
export { readTrip, UNTITLED_TRIP } from './validate';
export { applyOp, type ChangeableHandle } from './apply';
export { GENESIS_ACTOR, GENESIS_CHANGE, GENESIS_HASH, newTripDoc } from './genesis';
export { resolveQuantity, ruleApplies, ruleQuantity } from './rules';
export * from './selectors';
export { getConflicts, resolveConflict, type Conflict, type ConflictValue } from './conflicts';
export { itemsChangedSince, type ItemChange, type ItemChangeKind } from './history';
export { ConflictIndex } from './conflict-index';
export { ChangedSince, type ChangedEntity, type ChangedKind, type ChangedSection } from './changed-since';
export { revertChanges } from './revert';
export { migrate, needsMigration, isNewerThanSupported, schemaVersionOf, MIGRATIONS } from './migrations';
export { BUILT_IN_TEMPLATES, findTemplate, type Template } from './templates';
export {
	createTripFromPrevious,
	createTripFromTemplate,
	type CopyOptions,
	type NewTripArgs,
	type NewTripPerson,
} from './templates-apply';
export { exportCsv, exportHtml, exportJson, exportMarkdown, toExport, type TripExport } from './export';
export { importTrip, parseTripExport, type ImportResult } from './import';
