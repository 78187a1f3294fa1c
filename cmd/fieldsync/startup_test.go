package main

import (
	"bytes"
	"database/sql"
	"debug/elf"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestCommand_Version: the binary make build makes prints the version, commit and date the
// build stamped into it, the Go version it was built with, and needs no C library.
func TestCommand_Version(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the fieldsync binary")
	}
	bin := buildBinary(t)
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("--version: %v\n%s", err, out)
	}
	want := fmt.Sprintf("fieldsync %s\ncommit: %s\nbuilt: %s\ngo: %s %s/%s\npocketbase: v0.40.4\n",
		buildIdentity.version, buildIdentity.commit, buildIdentity.built, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if string(out) != want {
		t.Errorf("--version printed\n%s\nwant\n%s", out, want)
	}

	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary asks for a dynamic loader: it is not static")
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("the binary needs shared libraries %v (%v)", libs, err)
	}
}

// TestCommand_StartupChecksFail: each start-up check stops `fieldsync serve` before it
// listens, with a message naming what to fix and a non-zero status: 78 (EX_CONFIG, which the
// systemd unit does not restart on) for what the operator must change, 1 for an S3 bucket
// that may come back.
func TestCommand_StartupChecksFail(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the fieldsync binary")
	}
	bin := buildBinary(t)
	root := t.TempDir()
	dataDir := filepath.Join(root, "pb_data")
	storage := filepath.Join(dataDir, "storage")

	t.Run("settings from the environment", func(t *testing.T) {
		out := refusedStart(t, bin, root, dataDir, exitConfig, "FIELDSYNC_DB_READERS=many",
			"FIELDSYNC_PHOTO_DECODERS=0", "FIELDSYNC_METRICS_TOKEN=short", "FIELDSYNC_RECEIPT_KEY=too-short",
			"FIELDSYNC_CITY_TOKEN=short")
		for _, name := range []string{`"settings"`, "FIELDSYNC_DB_READERS", "FIELDSYNC_PHOTO_DECODERS",
			"FIELDSYNC_METRICS_TOKEN", "FIELDSYNC_RECEIPT_KEY", "FIELDSYNC_CITY_TOKEN"} {
			if !strings.Contains(out, name) {
				t.Errorf("the refusal does not name %s:\n%s", name, out)
			}
		}
		if _, err := os.Stat(dataDir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("bad settings still touched the data dir: %v", err)
		}
	})
	t.Run("data dir is not a directory", func(t *testing.T) {
		file := filepath.Join(root, "a-file")
		if err := os.WriteFile(file, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		out := refusedStart(t, bin, root, file, exitConfig)
		if !strings.Contains(out, `"data_dir"`) || !strings.Contains(out, file) {
			t.Errorf("the refusal does not name the data dir:\n%s", out)
		}
	})
	t.Run("local blob store is not a directory", func(t *testing.T) {
		if err := os.MkdirAll(dataDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(storage, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		out := refusedStart(t, bin, root, dataDir, exitConfig)
		if !strings.Contains(out, `"blob_store"`) || !strings.Contains(out, storage) {
			t.Errorf("the refusal does not name the blob store:\n%s", out)
		}
		if err := os.Remove(storage); err != nil {
			t.Fatal(err)
		}
	})
	// The run above migrated the data dir; the next ones change its stored settings.
	t.Run("S3 bucket unreachable", func(t *testing.T) {
		endpoint := freeAddr(t) // nothing listens there
		setS3(t, dataDir, fmt.Sprintf(`{"enabled": true, "bucket": "photos", "region": "cn-north-1",
			"endpoint": "http://%s", "accessKey": "fieldsync", "secret": "fieldsync-secret", "forcePathStyle": true}`, endpoint))
		out := refusedStart(t, bin, root, dataDir, 1)
		if !strings.Contains(out, `"blob_store"`) || !strings.Contains(out, endpoint) {
			t.Errorf("the refusal does not name the bucket's endpoint %s:\n%s", endpoint, out)
		}
	})
	t.Run("stored settings invalid", func(t *testing.T) {
		setS3(t, dataDir, `{"enabled": true, "bucket": "", "region": "", "endpoint": "", "accessKey": "", "secret": ""}`)
		out := refusedStart(t, bin, root, dataDir, exitConfig)
		if !strings.Contains(out, `"settings"`) || !strings.Contains(out, "bucket") {
			t.Errorf("the refusal does not name the bad setting:\n%s", out)
		}
	})
}

// refusedStart runs `fieldsync serve` with env added and requires it to exit with status
// want before it serves; it returns what the server printed. A server that answers instead
// fails the test at once.
func refusedStart(t *testing.T, bin, root, dataDir string, want int, env ...string) string {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin, "serve", "--dir", dataDir, "--http", addr, prodMode)
	cmd.Dir = root
	cmd.Env = append(append(os.Environ(), "PATH="), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(2 * time.Minute)
	for {
		select {
		case err := <-exited:
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != want {
				t.Fatalf("serve ended with %v, want exit status %d\n%s", err, want, out.String())
			}
			return out.String()
		case <-deadline:
			_ = cmd.Process.Kill()
			<-exited
			t.Fatalf("serve neither refused nor answered for 2 minutes\n%s", out.String())
		case <-time.After(50 * time.Millisecond):
			if res, err := http.Get("http://" + addr + "/api/health"); err == nil {
				res.Body.Close()
				_ = cmd.Process.Kill()
				<-exited
				t.Fatalf("serve started although a check should refuse it\n%s", out.String())
			}
		}
	}
}

// setS3 stores s3 as the S3 settings of the data dir's database, as the admin UI would have.
func setS3(t *testing.T, dataDir, s3 string) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dataDir, "data.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(`UPDATE _params SET value = json_set(value, '$.s3', json(?)) WHERE id = 'settings'`, s3)
	if err != nil {
		t.Fatalf("store S3 settings: %v", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("store S3 settings: %d rows changed, want 1", n)
	}
}
