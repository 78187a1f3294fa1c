package sqlite

import (
	"fmt"
	"path/filepath"

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

// DBConnect returns PocketBase's connection function with the data database's synchronous
// setting replaced by mode. The auxiliary database (logs) keeps NORMAL: losing the last log
// lines to a power cut costs nobody their work. The data database is checkpointed in the
// background rather than inside commits (see CheckpointEvery), and read through a memory map
// (see MmapSize).
func DBConnect(mode Synchronous) core.DBConnectFunc {
	return func(dbPath string) (*dbx.DB, error) {
		sync := mode
		if filepath.Base(dbPath) == "auxiliary.db" {
			sync = SyncNormal
			return Open(dbPath + pragmas(sync))
		}
		return open(dbPath+pragmas(sync)+"&_pragma=wal_autocheckpoint(0)"+fmt.Sprintf("&_pragma=mmap_size(%d)", MmapSize), dbPath)
	}
}

// MmapSize is how much of the data database each connection reads through a memory map:
// SQLite's limit on Linux (SQLITE_MAX_MMAP_SIZE, 0x7fff0000), more than the 300,000-record
// benchmark's 630 MB.
//
// Without the map, every page a connection's 32 MB page cache does not hold is copied from
// the operating system's cache by a read system call into a page buffer allocated for it;
// a first download touches some ten thousand such pages (its records are scattered over the
// file), and in cmd/fsbench's profile the reads and the buffers were over a quarter of a
// download's CPU. With the map SQLite reads the pages where the kernel holds them. Writes
// still go through the WAL as before: the map is only read, so durability does not change.
//
// What it costs, as SQLite's documentation (mmap.html) says: an I/O error while reading a
// mapped page (a failing disk) is a SIGBUS signal, which ends the process, where a read
// call would have failed one request; and each connection reserves up to MmapSize of address
// space (18 connections, 36 GB of a 64-bit process's 128 TB; the pages themselves are the
// kernel's file cache, shared, counted in RSS when touched and given back under pressure).
const MmapSize = 0x7fff0000

func pragmas(sync Synchronous) string {
	// Same pragmas as core.DefaultDBConnect, busy_timeout first for the same reason.
	//
	// _txlock=immediate: a transaction takes the write lock at BEGIN, waiting for it as
	// busy_timeout allows, unless it is read-only (sql.TxOptions.ReadOnly, as the sync
	// pull's snapshot is). A deferred transaction takes its snapshot at its first read and
	// the lock at its first write; if another process (Litestream, which writes after each
	// checkpoint) committed in between, the write fails with SQLITE_BUSY_SNAPSHOT, "database
	// is locked", which no wait can cure. PocketBase retries that statement inside the
	// same doomed transaction for 7.35 s while holding the server's one writer connection:
	// the stalls the restore drill measured (README, durability).
	return "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=journal_size_limit(200000000)" +
		"&_pragma=synchronous(" + string(sync) + ")&_pragma=foreign_keys(ON)&_pragma=temp_store(MEMORY)" +
		"&_pragma=cache_size(-32000)&_defensive=1&_txlock=immediate"
}

// DefaultReaders is how many connections serve reads at once, and stay open between bursts.
//
// PocketBase allows 120 and keeps 15 idle. On a small server that is the worst of both: a
// burst of phones syncing opens dozens of connections, each parsing the schema and filling
// its own page cache and statement cache from nothing, and most are closed again when the
// burst ends. Measured with cmd/fsbench (500 devices delta-syncing on 2 cores), 120
// connections gave a p99 of 1,152 ms and a 273 MB peak RSS; 16 kept open gave 24 ms and
// 187 MB. Requests beyond 16 wait for a connection, which costs them less than a new one.
const DefaultReaders = 16
