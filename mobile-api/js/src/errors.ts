/** An error answer of the server, with its stable machine-readable code. */
export class ServerError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly data?: Record<string, unknown>) {
    super(`server: ${status} ${code}: ${message}`);
    this.name = "ServerError";
  }
}

/** This installation was revoked: the SDK stopped syncing and wiped the server's data. */
export class RevokedError extends ServerError {}

/** The token was refused (401): the user must sign in again with the password. */
export class SignedOutError extends ServerError {}

/** The server speaks another record-shape version: the app must be updated; edits stay queued. */
export class SchemaMismatchError extends Error {
  constructor(readonly client: number, readonly server: number) {
    super(`schema version mismatch: client ${client}, server ${server}`);
    this.name = "SchemaMismatchError";
  }
}

/** A scope's checksum still disagrees after a fresh download. */
export class DriftError extends Error {
  constructor(readonly scopes: string[]) {
    super(`local store drifted from the server: ${scopes.join(", ")}`);
    this.name = "DriftError";
  }
}

/** The network failed (no answer): nothing is lost; sync again later. */
export class OfflineError extends Error {
  constructor(cause: unknown) {
    super(`offline: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "OfflineError";
  }
}
