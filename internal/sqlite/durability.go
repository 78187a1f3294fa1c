package sqlite

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// Synchronous is SQLite's synchronous setting for the data database.
//
// fieldsync's promise is that a mutation the server acknowledged is never lost: the phone
// deletes it from its outbox on the acknowledgement. In WAL mode, NORMAL survives a crash of
// the process (the commit is in the WAL before the answer is sent) but not a power loss or
// kernel crash, which can roll back the last transactions after they were acknowledged. FULL
// syncs the WAL on every commit and survives both, at the price of one fsync per commit
// (benchmark 2 of cmd/fsbench measures pushes; run it with FIELDSYNC_SYNCHRONOUS=NORMAL to
// compare). The default is FULL; FIELDSYNC_SYNCHRONOUS=NORMAL trades power-loss durability for speed.
type Synchronous string

// The supported settings.
const (
	SyncFull   Synchronous = "FULL"
	SyncNormal Synchronous = "NORMAL"
)

// SynchronousFromEnv reads FIELDSYNC_SYNCHRONOUS (FULL or NORMAL, default FULL).
func SynchronousFromEnv() (Synchronous, error) {
	switch v := Synchronous(strings.ToUpper(os.Getenv("FIELDSYNC_SYNCHRONOUS"))); v {
	case "":
		return SyncFull, nil
	case SyncFull, SyncNormal:
		return v, nil
	default:
		return "", fmt.Errorf("FIELDSYNC_SYNCHRONOUS must be FULL or NORMAL, got %q", v)
	}
}

// DBConnect returns PocketBase's connection function with the data database's synchronous
// setting replaced by mode. The auxiliary database (logs) keeps NORMAL: losing the last log
// lines to a power cut costs nobody their work.
func DBConnect(mode Synchronous) core.DBConnectFunc {
	return func(dbPath string) (*dbx.DB, error) {
		sync := mode
		if filepath.Base(dbPath) == "auxiliary.db" {
			sync = SyncNormal
		}
		// Same pragmas as core.DefaultDBConnect, busy_timeout first for the same reason.
		pragmas := "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=journal_size_limit(200000000)" +
			"&_pragma=synchronous(" + string(sync) + ")&_pragma=foreign_keys(ON)&_pragma=temp_store(MEMORY)" +
			"&_pragma=cache_size(-32000)&_defensive=1"
		return Open(dbPath + pragmas)
	}
}
