// Package config is the server's settings from the environment: the one place that reads a
// FIELDSYNC_ variable. The command reads them once at start into a Config, which refuses the
// start on any bad value, and hands it to every module through internal/app's options; no
// module reads the environment itself (TestNoOtherPackageReadsTheEnvironment).
package config

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/haidian/fieldsync/internal/blobs"
	"github.com/haidian/fieldsync/internal/ops"
	"github.com/haidian/fieldsync/internal/sqlite"
	"github.com/haidian/fieldsync/internal/sync"
)

// Config is every operator setting of the server, typed and validated.
type Config struct {
	// Synchronous is SQLite's synchronous setting of the data database.
	Synchronous sqlite.Synchronous
	// DBReaders is how many SQLite connections serve reads at once.
	DBReaders int
	// RemoveRetention is how long sync removal markers are kept before compaction.
	RemoveRetention time.Duration
	// PushMaxWait is the longest a push may expect to wait for the database's writer before
	// it is answered 503 sync_busy with Retry-After; zero never refuses a push.
	PushMaxWait time.Duration
	// PhotoDecoders is how many photos are decoded at once.
	PhotoDecoders int
	// PhotoMaxPixels refuses images declaring more pixels before decoding.
	PhotoMaxPixels int64
	// ReceiptKey, when not empty, signs reporters' receipts instead of the key generated in
	// the database on first start.
	ReceiptKey string
	// MetricsToken, when not empty, is the bearer token a Prometheus scraper reads
	// /metrics with.
	MetricsToken string
	// CityToken, when not empty, is the bearer token with which the city view reads this
	// district's figures (internal/cityview).
	CityToken string
	// LitestreamSocket, when not empty, is Litestream's control socket, read for the
	// replication metrics (internal/litestream).
	LitestreamSocket string
}

// Default returns the settings with no variable set. Each default comes from the module that
// applies it, so that this package cannot drift from it.
func Default() Config {
	photos := blobs.DefaultConfig().Photo
	return Config{
		Synchronous:     sqlite.SyncFull,
		DBReaders:       sqlite.DefaultReaders,
		RemoveRetention: sync.DefaultConfig().RemoveRetention,
		PushMaxWait:     sync.DefaultConfig().PushMaxWait,
		PhotoDecoders:   photos.Decoders,
		PhotoMaxPixels:  photos.MaxPixels,
	}
}

// setting is one FIELDSYNC_ variable: how it is listed and how it sets its field.
type setting struct {
	name, meaning string
	// secret settings are never printed, only whether they are set and how long they are.
	secret bool
	// show is the value a Config runs with, as `fieldsync config` lists it.
	show func(Config) string
	// set parses a non-empty value into c, or says what is wrong with it.
	set func(c *Config, v string) error
}

// minSecret is the shortest receipt key or metrics token accepted: both are passwords
// nobody types, so they can be long.
const minSecret = ops.MinTokenLength

// settings are every FIELDSYNC_ variable the server reads; Read and List both walk this one
// table, so a setting cannot be read without being listed.
var settings = []setting{
	{name: "FIELDSYNC_SYNCHRONOUS",
		meaning: "SQLite synchronous of the data database: FULL keeps acknowledged writes through a power cut, NORMAL through a process crash",
		show:    func(c Config) string { return string(c.Synchronous) },
		set: func(c *Config, v string) error {
			switch s := sqlite.Synchronous(strings.ToUpper(v)); s {
			case sqlite.SyncFull, sqlite.SyncNormal:
				c.Synchronous = s
				return nil
			}
			return fmt.Errorf("must be FULL or NORMAL, got %q", v)
		}},
	intSetting("FIELDSYNC_DB_READERS", "SQLite connections serving reads at once", 1, 1000,
		func(c *Config) *int { return &c.DBReaders }),
	{name: "FIELDSYNC_REMOVE_RETENTION_DAYS",
		meaning: "days sync removal markers are kept before compaction",
		show:    func(c Config) string { return strconv.Itoa(int(c.RemoveRetention.Hours() / 24)) },
		set: func(c *Config, v string) error {
			days, err := strconv.Atoi(v)
			if err != nil || days < 1 || days > 3650 {
				return fmt.Errorf("must be a number of days from 1 to 3650, got %q", v)
			}
			c.RemoveRetention = time.Duration(days) * 24 * time.Hour
			return nil
		}},
	{name: "FIELDSYNC_PUSH_MAX_WAIT_SECONDS",
		meaning: "a push expected to wait longer for the database's writer is answered 503 sync_busy with Retry-After (0: never)",
		show:    func(c Config) string { return strconv.Itoa(int(c.PushMaxWait / time.Second)) },
		set: func(c *Config, v string) error {
			secs, err := strconv.Atoi(v)
			if err != nil || secs < 0 || secs > 3600 {
				return fmt.Errorf("must be a number of seconds from 0 to 3600, got %q", v)
			}
			c.PushMaxWait = time.Duration(secs) * time.Second
			return nil
		}},
	intSetting("FIELDSYNC_PHOTO_DECODERS", "photos decoded at once (bounds the photo pipeline's memory)", 1, 256,
		func(c *Config) *int { return &c.PhotoDecoders }),
	{name: "FIELDSYNC_PHOTO_MAX_PIXELS",
		meaning: "images declaring more pixels are refused before decoding",
		show:    func(c Config) string { return strconv.FormatInt(c.PhotoMaxPixels, 10) },
		set: func(c *Config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1_000_000 {
				return fmt.Errorf("must be an integer of at least 1000000, got %q", v)
			}
			c.PhotoMaxPixels = n
			return nil
		}},
	secretSetting("FIELDSYNC_RECEIPT_KEY", "the secret (32 bytes or more) that signs reporters' receipts",
		"a key generated on first start, kept in the database", func(c *Config) *string { return &c.ReceiptKey }),
	secretSetting("FIELDSYNC_METRICS_TOKEN", "bearer token (32 bytes or more) of the Prometheus scraper",
		"unset: only district administrators read /metrics", func(c *Config) *string { return &c.MetricsToken }),
	secretSetting("FIELDSYNC_CITY_TOKEN", "bearer token (32 bytes or more) with which the city view reads this district's figures",
		"unset: only district administrators read /api/fs/city/figures", func(c *Config) *string { return &c.CityToken }),
	{name: "FIELDSYNC_LITESTREAM_SOCKET",
		meaning: "Litestream's control socket, read for fieldsync_replication_lag_seconds and _failures_total",
		show: func(c Config) string {
			if c.LitestreamSocket == "" {
				return "unset: no replication metrics"
			}
			return c.LitestreamSocket
		},
		set: func(c *Config, v string) error { c.LitestreamSocket = v; return nil }},
}

// intSetting is a whole number from lo to hi.
func intSetting(name, meaning string, lo, hi int, field func(*Config) *int) setting {
	return setting{name: name, meaning: meaning,
		show: func(c Config) string { return strconv.Itoa(*field(&c)) },
		set: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < lo || n > hi {
				return fmt.Errorf("must be a number from %d to %d, got %q", lo, hi, v)
			}
			*field(c) = n
			return nil
		}}
}

// secretSetting is a key of minSecret bytes or more, never printed: only whether it is set
// and how long it is.
func secretSetting(name, meaning, unset string, field func(*Config) *string) setting {
	return setting{name: name, meaning: meaning, secret: true,
		show: func(c Config) string {
			if v := *field(&c); v != "" {
				return fmt.Sprintf("(set, %d bytes)", len(v))
			}
			return unset
		},
		set: func(c *Config, v string) error {
			if len(v) < minSecret {
				return fmt.Errorf("must be at least %d bytes, got %d", minSecret, len(v))
			}
			*field(c) = v
			return nil
		}}
}

// Lookup finds a variable, as os.LookupEnv does.
type Lookup func(name string) (string, bool)

// Read reads every setting through lookup onto the defaults and checks all of them: the error
// names every bad one, so an operator fixes them in one go rather than one per failed start.
// A variable set to the empty string counts as unset.
func Read(lookup Lookup) (Config, error) {
	c := Default()
	var errs []error
	for _, s := range settings {
		if v, _ := lookup(s.name); v != "" {
			if err := s.set(&c, v); err != nil {
				errs = append(errs, fmt.Errorf("%s %w", s.name, err))
			}
		}
	}
	return c, errors.Join(errs...)
}

// FromEnv reads the settings from the process's environment.
func FromEnv() (Config, error) { return Read(os.LookupEnv) }

// Entry is one setting as `fieldsync config` lists it.
type Entry struct {
	Name, Value, Source, Meaning string
}

// List returns every setting with the value the server would run with and where it comes
// from, and the error Read gives for the same variables. A bad value is listed as given
// (a secret only by its length), since the server would not start with it.
func List(lookup Lookup) ([]Entry, error) {
	c, err := Read(lookup)
	var out []Entry
	for _, s := range settings {
		e := Entry{Name: s.name, Value: s.show(c), Source: "default", Meaning: s.meaning}
		if v, _ := lookup(s.name); v != "" {
			e.Source = "environment"
			if s.set(&Config{}, v) != nil {
				e.Value = v
				if s.secret {
					e.Value = fmt.Sprintf("(set, %d bytes)", len(v))
				}
				e.Source = "environment (invalid)"
			}
		}
		out = append(out, e)
	}
	return out, err
}
