export { Client, GapError, randomId, type Config, type LocalRecord, type Issue, type PullReport, type PushReport, type Events } from "./client.js";
export { ServerError, RevokedError, SignedOutError, SchemaMismatchError, DriftError, OfflineError } from "./errors.js";
export { addPhoto, uploadPhotos, queuedPhotos, sha256Hex, type UploadOptions } from "./photos.js";
export { live, subscribe, type LiveOptions } from "./realtime.js";
export { checksumOf, recordHash } from "./checksum.js";
export { blockOf, type Block, type Slot } from "./store.js";
export { fieldMessage } from "./messages.js";
export { SCHEMA_VERSION, type Result, type Outcome, type Mutation, type Scope, type Change } from "./wire.js";
export * from "./records.gen.js";
