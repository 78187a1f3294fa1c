package ops

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pocketbase/pocketbase/core"
)

// StartupError is a start-up check that failed: the server refuses to start and says what to
// fix. Fixable says the operator must change something (a setting, a directory) before a
// restart can help; the other failures (an unreachable bucket) may pass on their own.
type StartupError struct {
	Check   string
	Err     error
	Hint    string
	Fixable bool
}

func (e *StartupError) Error() string {
	// Several errors joined (every bad setting at once) go one to a line.
	msg := strings.ReplaceAll(e.Err.Error(), "\n", "\n  - ")
	if strings.Contains(msg, "\n") {
		msg = "\n  - " + msg
	}
	return fmt.Sprintf("start-up check %q failed: %s\n%s", e.Check, msg, e.Hint)
}

func (e *StartupError) Unwrap() error { return e.Err }

// CheckDataDir makes sure dir is a directory the server can write, creating it if missing as
// PocketBase would. It runs before PocketBase opens its databases there, whose own error
// ("unable to open database file") names neither the directory nor the cause.
func CheckDataDir(dir string) error {
	fail := func(err error) error {
		return &StartupError{Check: "data_dir", Err: err, Fixable: true,
			Hint: "--dir must name a directory the server's user can write (the databases and uploads live there)"}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail(fmt.Errorf("create %s: %w", dir, err))
	}
	f, err := os.CreateTemp(dir, ".fieldsync-probe-*")
	if err != nil {
		return fail(fmt.Errorf("write in %s: %w", dir, err))
	}
	name := f.Name()
	f.Close()
	if err := os.Remove(name); err != nil {
		return fail(fmt.Errorf("remove %s: %w", filepath.Base(name), err))
	}
	return nil
}

// CheckServe runs the checks that need the opened app, before the server listens: the
// settings stored in the database are valid, and the blob store takes a write.
func CheckServe(app core.App) error {
	if err := app.Validate(app.Settings()); err != nil {
		return &StartupError{Check: "settings", Err: err, Fixable: true,
			Hint: "the stored settings (admin UI → Settings) are not valid; fix the named fields"}
	}
	if err := CheckBlobStore(context.Background(), app); err != nil {
		// A bucket may come back by itself; a local directory that is not one will not.
		return &StartupError{Check: "blob_store", Err: err, Fixable: !app.Settings().S3.Enabled,
			Hint: "photos cannot be stored: with S3 (admin UI → Settings → Files storage) check the endpoint, " +
				"bucket and keys; without, check that pb_data/storage is a writable directory"}
	}
	return nil
}
