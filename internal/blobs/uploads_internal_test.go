package blobs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestUploads_CleanRemovesStaleParts: parts untouched for the retention are removed, with
// their announcement; recent ones stay. The clock is injected.
func TestUploads_CleanRemovesStaleParts(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	u := newUploads(func() string { return dir }, func() time.Time { return now })
	stale, _, err := u.announce(Upload{SHA256: "aa", Size: 10, Mime: "image/jpeg", Owner: "inspector1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.appendChunk(stale, 0, strings.NewReader("12345")); err != nil {
		t.Fatal(err)
	}
	fresh, _, _ := u.announce(Upload{SHA256: "bb", Size: 10, Mime: "image/jpeg", Owner: "inspector1"})
	os.WriteFile(filepath.Join(dir, "strayfile.json.tmp"), []byte("x"), 0o644)
	old := now.Add(-72 * time.Hour)
	for _, f := range []string{stale.ID + ".json", stale.ID + ".part", "strayfile.json.tmp"} {
		os.Chtimes(filepath.Join(dir, f), old, old)
	}
	n, err := u.clean(48 * time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("clean: %d %v", n, err)
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 1 || left[0].Name() != fresh.ID+".json" {
		t.Fatalf("left %v", left)
	}
}
