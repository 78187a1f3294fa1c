package inspectorapp_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestSDK_CopyIsCurrent: the app embeds a copy of the sync SDK's bundle (Go's embed cannot
// reach mobile-api/js); the copy must be the committed bundle byte for byte, file for file, so
// a phone never runs an SDK the SDK's own tests did not.
func TestSDK_CopyIsCurrent(t *testing.T) {
	const bundle, copied = "../../mobile-api/js/dist", "ui/sdk"
	want, got := names(t, bundle), names(t, copied)
	if !slices.Equal(want, got) {
		t.Fatalf("ui/sdk holds %v, mobile-api/js/dist %v: run bash scripts/app-sdk.sh", got, want)
	}
	for _, name := range want {
		a, err := os.ReadFile(filepath.Join(bundle, name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(copied, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Fatalf("ui/sdk/%s differs from mobile-api/js/dist/%s: run bash scripts/app-sdk.sh", name, name)
		}
	}
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	if len(out) == 0 {
		t.Fatalf("%s is empty", dir)
	}
	return out
}
