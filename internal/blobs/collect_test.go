package blobs_test

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"github.com/haidian/fieldsync/internal/blobs"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// TestCollect_RemovesWhatNothingRefersTo: the collector removes a blob no photo names and
// files no blob claims, once they are older than the grace, and keeps everything else: a
// blob a photo names (pending or stored), files outside the blob layout, and anything newer.
func TestCollect_RemovesWhatNothingRefersTo(t *testing.T) {
	e := newEnv(t)
	tok := e.token(testkit.InspectorA)
	named, unnamed := encodeJPEG(t, picture(90, 60)), encodeJPEG(t, picture(60, 90))
	namedPhoto := e.newPhoto(tok, named, testkit.SubdistrictA)
	e.upload(tok, named, "image/jpeg", "")
	e.upload(tok, unnamed, "image/jpeg", "") // bytes whose photo record never came
	pendingOnly := encodeJPEG(t, picture(70, 70))
	e.newPhoto(tok, pendingOnly, testkit.SubdistrictA) // a photo whose bytes are not here yet

	fsys, err := e.srv.App.NewFilesystem()
	if err != nil {
		t.Fatal(err)
	}
	orphan := hash([]byte("orphan"))
	orphanKey := "blobs/" + orphan[:2] + "/" + orphan + "/original"
	for _, key := range []string{orphanKey, "elsewhere/keep.txt"} {
		if err := fsys.Upload([]byte("x"), key); err != nil {
			t.Fatal(err)
		}
	}
	fsys.Close()

	got, err := blobs.Collect(e.srv.App, time.Now().Add(-time.Hour))
	if err != nil || got != (blobs.Collected{}) {
		t.Fatalf("within the grace: collected %+v, %v", got, err)
	}
	got, err = blobs.Collect(e.srv.App, time.Now().Add(time.Minute))
	if err != nil || got != (blobs.Collected{Blobs: 1, Orphans: 1}) {
		t.Fatalf("past the grace: collected %+v, %v; want one blob and one orphan", got, err)
	}
	if _, err := e.srv.App.FindFirstRecordByData(schema.Blobs, "sha256", hash(unnamed)); err == nil {
		t.Error("the blob no photo names is still recorded")
	}
	files := e.storedFiles()
	for _, f := range files {
		if strings.Contains(f, hash(unnamed)) || strings.Contains(f, orphan) {
			t.Errorf("collected file left: %s", f)
		}
	}
	if n := countWith(files, hash(named)); n != 3 {
		t.Errorf("the named blob has %d of its 3 files: %v", n, files)
	}
	if res := e.get(e.token(testkit.SupervisorA), namedPhoto, "original"); res.Status != 200 || string(res.Body) != string(named) {
		t.Errorf("named photo after collection: %d", res.Status)
	}
	fsys, _ = e.srv.App.NewFilesystem()
	defer fsys.Close()
	if ok, err := fsys.Exists("elsewhere/keep.txt"); !ok || err != nil {
		t.Errorf("a file outside blobs/ was removed: %v", err)
	}
}

// TestCollect_RacesWithUploadsAndPhotos: the collector runs in a loop, with a cutoff that
// makes everything old, while an inspector uploads bytes and then names them in a photo. The
// collector may take a blob before its photo arrives (that is what the grace prevents in
// production), but it never leaves a blob record without its files nor a stored photo
// without its blob.
func TestCollect_RacesWithUploadsAndPhotos(t *testing.T) {
	e := newEnv(t)
	tok := e.token(testkit.InspectorA)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := blobs.Collect(e.srv.App, time.Now().Add(time.Hour)); err != nil {
				t.Errorf("collect: %v", err)
				return
			}
		}
	}()
	for i := range 12 {
		data := encodeJPEG(t, picture(40+i, 30))
		e.upload(tok, data, "image/jpeg", "")
		e.newPhoto(tok, data, testkit.SubdistrictA)
		e.upload(tok, data, "image/jpeg", "") // the phone's retry: stores it if it was taken
	}
	close(stop)
	wg.Wait()

	files := e.storedFiles()
	records, err := e.srv.App.FindAllRecords(schema.Blobs)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range records {
		if n := countWith(files, b.GetString("sha256")); n != 3 {
			t.Errorf("blob %s has %d of its 3 files", b.GetString("sha256"), n)
		}
	}
	photos, _ := e.srv.App.FindAllRecords(schema.Photos, dbx.HashExp{"status": "stored"})
	for _, p := range photos {
		if _, err := e.srv.App.FindFirstRecordByData(schema.Blobs, "sha256", p.GetString("sha256")); err != nil {
			t.Errorf("stored photo %s has no blob", p.Id)
		}
	}
	if len(photos) != 12 {
		t.Errorf("%d of 12 photos stored after the retries", len(photos))
	}
}

func countWith(files []string, sha string) int {
	return len(slices.DeleteFunc(slices.Clone(files), func(f string) bool { return !strings.Contains(f, sha) }))
}
