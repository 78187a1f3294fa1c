// Package client is the reference client of fieldsync's sync protocol: the code phone-app
// writers read to learn the protocol, and the client the project's model, crash and load tests
// drive.
//
// A Client keeps a durable local store in SQLite. Local edits (Create, Patch, Void, Command)
// apply at once to the local copy and queue a mutation in the outbox; Push sends the outbox,
// Pull brings the server's changes, and Sync does both. Every local operation is one local
// transaction, so a phone killed at any moment reopens a consistent store, and every network
// step can be repeated: the server applies each mutation exactly once, and pulls restart from
// the last stored cursor.
//
// # How the local store stays right
//
// Each record keeps the server's data at the version v it last pulled (its base), and the copy
// the inspector sees: the base with the record's unsettled mutations replayed on top. So a pull
// never overwrites what the inspector typed: the server's data becomes the new base and the
// edits still to push are replayed on it.
//
// A mutation is numbered with the installation's next mid (1, 2, 3... without gaps) and lives
// in the outbox until it settles:
//
//   - pending: not yet answered. Push sends it, again and again if answers are lost; the server
//     answers a mid it already applied with the stored outcome.
//   - acknowledged: the server applied it (applied, merged or conflict) at a version and seq.
//     It is replayed only while the base is older than that version, and leaves the outbox
//     once every scope's cursor has passed that seq.
//   - rejected or quarantined: it leaves the outbox at once; the local copy shows the server's
//     data again, and the mutation is kept as an Issue so nothing typed is lost.
//
// Register learns the last mid the server applied: pending mids up to it were applied though
// their answer was lost, and leave the outbox; a server that forgot mids (restored from a
// backup) has the acknowledged ones it forgot sent again, and the queue renumbered to follow.
//
// The server tells, per scope, which records it holds; the store keeps that membership. A
// scope the user lost is purged; a scope restarted ("added", "reset", or a failed checksum) is
// downloaded again and the records it did not send again are dropped when it reaches its head.
// Records with edits still to push stay until the push is answered. At the head of each scope,
// Pull compares the local checksum (see Checksum) with the server's, and downloads a scope
// that disagrees again; one that still disagrees is reported as ErrDrift.
//
// A Client is safe for concurrent use. Network operations run one at a time; local edits and
// reads may run meanwhile.
package client
