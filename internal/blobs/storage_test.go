package blobs_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/haidian/fieldsync/internal/testkit"
)

// TestStorage_LayoutWhereTheSettingSays: an inspector's photo is three files under
// blobs/<aa>/<sha256>/ in the storage PocketBase's setting names: the S3 bucket (and nothing
// under the data dir's storage) when S3 is on, pb_data/storage otherwise; the upload's part
// is gone from blob_parts once stored.
func TestStorage_LayoutWhereTheSettingSays(t *testing.T) {
	e := newEnv(t)
	tok := e.token(testkit.InspectorA)
	data := encodeJPEG(t, picture(120, 80))
	e.newPhoto(tok, data, testkit.SubdistrictA)
	if status, _ := e.upload(tok, data, "image/jpeg", ""); status != 200 {
		t.Fatalf("upload: %d", status)
	}
	sha := hash(data)
	local := filepath.Join(e.srv.App.DataDir(), "storage")
	root := local
	if gateway != nil {
		root = filepath.Join(gateway.Root, e.srv.App.Settings().S3.Bucket)
		if entries, err := os.ReadDir(filepath.Join(local, "blobs")); err == nil && len(entries) > 0 {
			t.Errorf("with S3 on, blob files under the data dir: %v", entries)
		}
	}
	for _, name := range []string{"original", "preview.jpg", "thumb.jpg"} {
		path := filepath.Join(root, "blobs", sha[:2], sha, name)
		got, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: %v", name, err)
		} else if name == "original" && string(got) != string(data) {
			t.Errorf("the original is not the uploaded bytes")
		}
	}
	if parts, _ := os.ReadDir(filepath.Join(e.srv.App.DataDir(), "blob_parts")); len(parts) != 0 {
		t.Errorf("parts left after the upload: %v", parts)
	}
}
