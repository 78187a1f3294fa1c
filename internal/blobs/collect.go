package blobs

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/pocketbase/pocketbase/tools/filesystem/blob"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
)

// blobLocks serialise, per hash, the writing of a blob's files and record (store), the
// removal of a deleted blob's files and the collector's removal of orphaned files. The set is
// shared by every app of the process: collisions between apps only make one wait.
var blobLocks striped

// Collected is what a collection removed.
type Collected struct {
	// Blobs are blob records (with their files) that no photo referred to.
	Blobs int `json:"blobs"`
	// Orphans are hashes whose files no blob record claimed (left by a crash between writing
	// the files and committing the record, or by a failed cleanup).
	Orphans int `json:"orphans"`
}

var blobDirRE = regexp.MustCompile(`^blobs/([0-9a-f]{2})/([0-9a-f]{64})/`)

// Collect removes the garbage of the blob store that has not changed since cutoff: the blob
// records no photo refers to, in any status, with their files; and the files under blobs/ that
// no blob record claims. Production runs it daily with a cutoff a week back (GCGrace).
//
// Why the grace matters: a phone may upload the bytes before it pushes the photo record that
// names them (it is told "stored" and may drop them). A blob whose record was created or last
// given a holder within the grace is kept, so the photo has a week to arrive.
//
// Races it is safe against:
//   - a photo created after the scan: each blob is re-checked and deleted in one transaction,
//     and SQLite's single writer orders it against the photo's; a photo committed first keeps
//     the blob, a photo committed after finds no blob and stays pending until its bytes are
//     uploaded again (the case the grace makes rare);
//   - an upload in flight: the upload writes its files and commits its record holding the
//     hash's lock, and files are removed only under that lock after checking that no record
//     claims them, so an upload's files are never removed from under its record; an upload
//     that adds a holder to a blob being collected bumps its update time, and the collector's
//     transaction then keeps it.
func Collect(app core.App, cutoff time.Time) (Collected, error) {
	var out Collected
	before := cutoff.UTC().Format(types.DefaultDateLayout)
	var ids []string
	err := app.DB().Select("b.id").From(schema.Blobs + " b").
		Where(dbx.NewExp("b.updated < {:before}", dbx.Params{"before": before})).
		AndWhere(dbx.NewExp("NOT EXISTS (SELECT 1 FROM " + schema.Photos + " p WHERE p.sha256 = b.sha256)")).
		Column(&ids)
	if err != nil {
		return out, fmt.Errorf("unreferenced blobs: %w", err)
	}
	for _, id := range ids {
		removed, err := collectBlob(app, id, before)
		if err != nil {
			return out, err
		}
		if removed {
			out.Blobs++
		}
	}
	n, err := collectOrphans(app, cutoff)
	out.Orphans = n
	return out, err
}

// collectBlob deletes blob id if, inside the deleting transaction, it is still older than
// before and still unreferenced. Its files go after the commit (the blob's delete hook).
func collectBlob(app core.App, id, before string) (bool, error) {
	removed := false
	err := app.RunInTransaction(func(tx core.App) error {
		blob, err := tx.FindRecordById(schema.Blobs, id)
		if err != nil {
			return nil // deleted meanwhile
		}
		if blob.GetDateTime("updated").String() >= before {
			return nil
		}
		var refs int
		err = tx.DB().Select("count(*)").From(schema.Photos).
			Where(dbx.HashExp{"sha256": blob.GetString("sha256")}).Row(&refs)
		if err != nil || refs > 0 {
			return err
		}
		access.AsSystem(blob)
		if err := tx.Delete(blob); err != nil {
			return fmt.Errorf("collect blob %s: %w", id, err)
		}
		removed = true
		return nil
	})
	return removed && err == nil, err
}

// listTries is how many times the listing is taken again when a file vanished under it.
const listTries = 5

// listBlobFiles lists the blob store's files. On local disk a store in progress writes a
// temporary file beside its target and renames it; a listing that meets the file between
// its directory read and its stat fails with "not found". The listing is then simply taken
// again: the files it would have missed are new, and no orphan.
func listBlobFiles(app core.App) ([]*blob.ListObject, error) {
	for try := 1; ; try++ {
		fsys, err := app.NewFilesystem()
		if err != nil {
			return nil, err
		}
		objects, err := fsys.List("blobs/")
		fsys.Close()
		if err == nil || try == listTries || !(errors.Is(err, filesystem.ErrNotFound) || errors.Is(err, fs.ErrNotExist)) {
			return objects, err
		}
	}
}

// collectOrphans removes the files of hashes that no blob record claims and none of whose
// files changed since cutoff, and returns how many hashes it cleared. Keys outside the blob
// layout are left alone.
func collectOrphans(app core.App, cutoff time.Time) (int, error) {
	objects, err := listBlobFiles(app)
	if err != nil {
		return 0, fmt.Errorf("list blob files: %w", err)
	}
	old := map[string]bool{} // hash → every file older than cutoff
	for _, o := range objects {
		m := blobDirRE.FindStringSubmatch(o.Key)
		if m == nil || !strings.HasPrefix(m[2], m[1]) {
			continue
		}
		sha := m[2]
		prev, seen := old[sha]
		old[sha] = (prev || !seen) && o.ModTime.Before(cutoff)
	}
	removed := 0
	for sha, isOld := range old {
		if !isOld {
			continue
		}
		release := blobLocks.lock(sha)
		if dropFilesUnlessRecorded(app, sha) {
			removed++
		}
		release()
	}
	return removed, nil
}
