package client

import (
	"errors"
	"fmt"
	"time"
)

// Errors a phone app acts on. Test for them with errors.Is.
var (
	// ErrRevoked means an administrator revoked this installation: stop syncing, keep the
	// local store (its outbox may hold work nobody else has) and tell the inspector.
	ErrRevoked = errors.New("client revoked")
	// ErrSchemaMismatch means the server speaks another schema version: the app must be
	// updated before it syncs again. Local edits stay queued.
	ErrSchemaMismatch = errors.New("schema version mismatch")
	// ErrDrift means a scope's local checksum still disagrees with the server's after the
	// scope was downloaded again. The local store is not to be trusted for that scope.
	ErrDrift = errors.New("local store drifted from the server")
	// ErrNotFound means the local store holds no such record.
	ErrNotFound = errors.New("record not found")
)

// ServerError is an error answer of the server, with its stable machine-readable code.
type ServerError struct {
	Status  int
	Code    string
	Message string
	// RetryAfter is the wait a busy server (503 sync_busy) asks for before the push is sent
	// again; zero otherwise.
	RetryAfter time.Duration
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("server: %d %s: %s", e.Status, e.Code, e.Message)
}

// Is makes errors.Is(err, ErrRevoked) true for the server's client_revoked answer.
func (e *ServerError) Is(target error) bool {
	return target == ErrRevoked && e.Code == "client_revoked"
}

// SchemaError says which schema versions disagree.
type SchemaError struct {
	Client, Server int
}

func (e *SchemaError) Error() string {
	return fmt.Sprintf("schema version mismatch: client %d, server %d", e.Client, e.Server)
}

// Is makes errors.Is(err, ErrSchemaMismatch) true.
func (e *SchemaError) Is(target error) bool { return target == ErrSchemaMismatch }
