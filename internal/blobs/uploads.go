package blobs

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/tools/security"
)

// Upload is an announced upload: what the client said it will send, and who may send it.
type Upload struct {
	ID     string `json:"id"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	Mime   string `json:"mime"`
	// Owner is the staff user who announced it; empty for a public upload, whose id is its
	// only key.
	Owner string `json:"owner,omitempty"`
	// Subdistrict is where a public upload's photo goes.
	Subdistrict string    `json:"subdistrict,omitempty"`
	Created     time.Time `json:"created"`
}

// Public reports whether u came through the public door.
func (u Upload) Public() bool { return u.Owner == "" }

// uploads keeps announced uploads as two files each in the parts dir: <id>.json (the
// announcement) and <id>.part (the bytes so far; its size is the offset). A part lives on
// local disk even when blobs go to S3: chunks append to it, and S3 objects cannot be appended
// to. Operations on one upload are serialised by a lock striped by id.
type uploads struct {
	dir   func() string
	now   func() time.Time
	locks striped
}

func newUploads(dir func() string, now func() time.Time) *uploads {
	return &uploads{dir: dir, now: now}
}

var uploadIDRE = regexp.MustCompile(`^[a-z0-9]{32}$`)

// lock takes the lock of upload id and returns its release.
func (u *uploads) lock(id string) func() { return u.locks.lock(id) }

// striped is a fixed set of mutexes chosen by a key's hash: operations on one key are
// serialised, and keys made up by callers cost no memory.
type striped [64]sync.Mutex

// lock takes key's mutex and returns its release.
func (s *striped) lock(key string) func() {
	h := fnv.New32a()
	h.Write([]byte(key))
	l := &s[h.Sum32()%uint32(len(s))]
	l.Lock()
	return l.Unlock
}

func (u *uploads) path(id, ext string) string { return filepath.Join(u.dir(), id+ext) }

// staffUploadID is the id of a staff member's upload of a hash: the same on every
// announcement, so a phone that lost the id (or its whole state) resumes where it was.
func staffUploadID(owner, sha string) string {
	sum := sha256.Sum256([]byte("fieldsync-upload\x00" + owner + "\x00" + sha))
	return hex.EncodeToString(sum[:16])
}

// announce returns the upload of a, created if new, and its offset. A public upload gets a
// random id: it is the bearer's only key to the upload.
func (u *uploads) announce(a Upload) (Upload, int64, error) {
	if a.Owner != "" {
		a.ID = staffUploadID(a.Owner, a.SHA256)
	} else {
		a.ID = security.RandomStringWithAlphabet(32, "abcdefghijklmnopqrstuvwxyz0123456789")
	}
	defer u.lock(a.ID)()
	if old, off, err := u.read(a.ID); err == nil && old.Size == a.Size && old.Mime == a.Mime {
		return old, off, nil
	}
	if err := os.MkdirAll(u.dir(), 0o755); err != nil {
		return a, 0, err
	}
	a.Created = u.now().UTC()
	data, err := json.Marshal(a)
	if err != nil {
		return a, 0, err
	}
	os.Remove(u.path(a.ID, ".part")) // an announcement with another size starts afresh
	if err := writeFileAtomic(u.path(a.ID, ".json"), data); err != nil {
		return a, 0, err
	}
	return a, 0, nil
}

// read returns upload id and its offset, or errUploadGone.
func (u *uploads) read(id string) (Upload, int64, error) {
	var a Upload
	if !uploadIDRE.MatchString(id) {
		return a, 0, errUploadGone
	}
	data, err := os.ReadFile(u.path(id, ".json"))
	if err != nil {
		return a, 0, errUploadGone.Wrap(err)
	}
	if err := json.Unmarshal(data, &a); err != nil {
		return a, 0, errUploadGone.Wrap(err)
	}
	st, err := os.Stat(u.path(id, ".part"))
	if errors.Is(err, fs.ErrNotExist) {
		return a, 0, nil
	} else if err != nil {
		return a, 0, err
	}
	return a, st.Size(), nil
}

// appendChunk appends body to upload a's part at offset, which must be the part's size, and
// returns the new offset. It keeps whatever arrived before a broken connection: that is where
// the client resumes. It never writes past the announced size.
func (u *uploads) appendChunk(a Upload, offset int64, body io.Reader) (int64, error) {
	f, err := os.OpenFile(u.path(a.ID, ".part"), os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if st.Size() != offset {
		return st.Size(), errOffset
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return offset, err
	}
	n, err := io.Copy(f, io.LimitReader(body, a.Size-offset))
	offset += n
	if err != nil {
		return offset, fmt.Errorf("receive chunk: %w", err)
	}
	// Anything beyond the announced size is refused: the extra bytes are not stored.
	var one [1]byte
	if m, _ := body.Read(one[:]); m > 0 {
		if err := f.Truncate(offset - n); err != nil {
			return offset, err
		}
		return offset - n, errChunkTooLong
	}
	return offset, nil
}

// remove deletes upload id's files.
func (u *uploads) remove(id string) {
	os.Remove(u.path(id, ".part"))
	os.Remove(u.path(id, ".json"))
}

// clean removes the uploads whose part (or announcement, if no byte came) has not changed for
// ttl, and any stray file of the parts dir, and returns how many uploads it removed.
func (u *uploads) clean(ttl time.Duration) (int, error) {
	entries, err := os.ReadDir(u.dir())
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	cutoff := u.now().Add(-ttl)
	removed := 0
	for _, e := range entries {
		id, ext, _ := strings.Cut(e.Name(), ".")
		info, err := e.Info()
		if err != nil || info.ModTime().After(cutoff) {
			continue
		}
		if ext == "json" {
			if st, err := os.Stat(u.path(id, ".part")); err == nil && st.ModTime().After(cutoff) {
				continue
			}
			release := u.lock(id)
			u.remove(id)
			release()
			removed++
			continue
		}
		if _, err := os.Stat(u.path(id, ".json")); errors.Is(err, fs.ErrNotExist) {
			os.Remove(filepath.Join(u.dir(), e.Name())) // an orphaned part or temp file
		}
	}
	return removed, nil
}

// readAll returns upload a's bytes.
func (u *uploads) readAll(a Upload) ([]byte, error) {
	return os.ReadFile(u.path(a.ID, ".part"))
}

func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
