package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"io"
	"os"
	"strconv"
	"text/tabwriter"

	"github.com/haidian/fieldsync/internal/blobs"
	"github.com/haidian/fieldsync/internal/sqlite"
	"github.com/haidian/fieldsync/internal/sync"
)

// setting is one of the server's settings from the environment, as `fieldsync config` lists
// it. The defaults come from the code that applies them, so the listing cannot drift from it.
type setting struct {
	name, def, meaning string
	// secret settings are never printed, only whether they are set and how long they are.
	secret bool
}

// knownSettings are every FIELDSYNC_ variable the server reads (TestConfig_ListsEverySetting
// fails when the code reads one missing here). The settings of the admin UI are PocketBase's
// and are listed there.
func knownSettings() []setting {
	photos := blobs.DefaultConfig().Photo
	return []setting{
		{name: "FIELDSYNC_SYNCHRONOUS", def: string(sqlite.SyncFull),
			meaning: "SQLite synchronous of the data database: FULL keeps acknowledged writes through a power cut, NORMAL through a process crash"},
		{name: "FIELDSYNC_DB_READERS", def: strconv.Itoa(sqlite.DefaultReaders),
			meaning: "SQLite connections serving reads at once"},
		{name: "FIELDSYNC_REMOVE_RETENTION_DAYS", def: strconv.Itoa(int(sync.DefaultConfig().RemoveRetention.Hours() / 24)),
			meaning: "days sync removal markers are kept before compaction"},
		{name: "FIELDSYNC_PHOTO_DECODERS", def: strconv.Itoa(photos.Decoders),
			meaning: "photos decoded at once (bounds the photo pipeline's memory)"},
		{name: "FIELDSYNC_PHOTO_MAX_PIXELS", def: strconv.FormatInt(photos.MaxPixels, 10),
			meaning: "images declaring more pixels are refused before decoding"},
		{name: "FIELDSYNC_RECEIPT_KEY", def: "a key generated on first start, kept in the database", secret: true,
			meaning: "the secret (32 bytes or more) that signs reporters' receipts"},
		{name: metricsTokenEnv, def: "unset: only district administrators read /metrics", secret: true,
			meaning: "bearer token (32 characters or more) of the Prometheus scraper"},
		{name: cityTokenEnv, def: "unset: only district administrators read /api/fs/city/figures", secret: true,
			meaning: "bearer token (32 characters or more) with which the city view reads this district's figures"},
		{name: litestreamSocketEnv, def: "unset: no replication metrics",
			meaning: "Litestream's control socket, read for fieldsync_replication_lag_seconds and _failures_total"},
	}
}

// printConfig lists every setting with the value the server would run with and where it
// comes from, then checks them as a start does: the error names every bad one.
func printConfig(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SETTING\tVALUE\tSOURCE\tMEANING")
	for _, s := range knownSettings() {
		value, source := s.def, "default"
		if v, ok := os.LookupEnv(s.name); ok {
			value, source = v, "environment"
			if s.secret {
				value = fmt.Sprintf("(set, %d bytes)", len(v))
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.name, value, source, s.meaning)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := readSettings()
	return err
}

// configCommand is `fieldsync config`, listed by --help. (main runs it before reading the
// settings, so that it works while one of them is bad.)
func configCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "config",
		Short: "List every FIELDSYNC_ setting with its value and source, and check them",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return printConfig(cmd.OutOrStdout())
		},
	}
}
