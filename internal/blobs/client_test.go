package blobs_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/pocketbase/pocketbase/tests"

	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/internal/testkit/s3server"
)

func TestMain(m *testing.M) {
	testkit.SetBind(app.Bind)
	testkit.Main(storeMatrix{m})
}

// gateway is the S3 server while the suite runs on S3, nil while it runs on local disk.
var gateway *s3server.Server

// storeMatrix runs every test of the package twice: with PocketBase's local file storage,
// then with its S3 storage on a real S3 server (Versity's gateway) started on loopback.
type storeMatrix struct{ m *testing.M }

func (s storeMatrix) Run() int {
	fmt.Println("=== blob store: local disk")
	local := s.m.Run()
	root, err := os.MkdirTemp("", "fieldsync-s3-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer os.RemoveAll(root)
	srv, err := s3server.Start(filepath.Join(root, "buckets"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "S3 server:", err)
		return 2
	}
	defer srv.Close()
	gateway = srv
	fmt.Println("=== blob store: S3 at", srv.Endpoint)
	return max(local, s.m.Run())
}

// env is a served app with the fixture's tokens.
type env struct {
	t   *testing.T
	srv *testkit.Server
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, testkit.NewApp(t))
}

// newEnvWith serves app, on the S3 server's storage while the suite runs on S3.
func newEnvWith(t *testing.T, app *tests.TestApp) *env {
	t.Helper()
	if gateway != nil {
		bucket, err := gateway.UseFor(app)
		if err != nil {
			t.Fatalf("S3 storage: %v", err)
		}
		t.Logf("blob store: S3 bucket %s at %s", bucket, gateway.Endpoint)
	}
	return &env{t: t, srv: testkit.Serve(t, app)}
}

func (e *env) token(id string) string {
	if id == testkit.Superuser {
		return e.srv.Token("_superusers", id)
	}
	return e.srv.Token(schema.Users, id)
}

func hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// raw sends a request with the given headers and body bytes.
func (e *env) raw(method, path, token string, header map[string]string, body io.Reader) testkit.Response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return testkit.Response{Status: -1, Body: []byte(err.Error())}
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return testkit.Response{Status: res.StatusCode, Body: data, Header: res.Header}
}

// announce announces data as an upload of the staff member behind token (or, with
// subdistrict set, a public one) and returns the answer.
func (e *env) announce(token string, data []byte, mime, subdistrict string) testkit.Response {
	e.t.Helper()
	body := map[string]any{"sha256": hash(data), "size": len(data), "mime": mime}
	path := "/api/fs/blobs/uploads"
	if subdistrict != "" {
		body["subdistrict"] = subdistrict
		path = "/api/fs/blobs/public/uploads"
	}
	return e.srv.Do("POST", path, token, body)
}

func (e *env) patch(token, id string, offset int64, chunk io.Reader) testkit.Response {
	e.t.Helper()
	return e.raw("PATCH", "/api/fs/blobs/uploads/"+id, token, map[string]string{
		"Upload-Offset": strconv.FormatInt(offset, 10), "Content-Type": "application/offset+octet-stream",
		"Tus-Resumable": "1.0.0",
	}, chunk)
}

// upload sends data in one go and returns the last answer, decoded.
func (e *env) upload(token string, data []byte, mime, subdistrict string) (int, map[string]any) {
	e.t.Helper()
	res := e.announce(token, data, mime, subdistrict)
	if res.Status == 200 {
		return 200, res.JSON(e.t)
	}
	if res.Status != 201 {
		e.t.Fatalf("announce: %d %s", res.Status, res.Body)
	}
	id := res.JSON(e.t)["id"].(string)
	res = e.patch(token, id, 0, bytes.NewReader(data))
	var out map[string]any
	json.Unmarshal(res.Body, &out)
	return res.Status, out
}

// newPhoto creates a pending photo record of data's hash in subdistrict, as the phone's
// records sync before its bytes.
func (e *env) newPhoto(token string, data []byte, subdistrict string) string {
	e.t.Helper()
	res := e.srv.Do("POST", "/api/collections/photos/records", token,
		map[string]any{"sha256": hash(data), "subdistrict": subdistrict})
	if res.Status != 200 {
		e.t.Fatalf("create photo: %d %s", res.Status, res.Body)
	}
	return res.JSON(e.t)["id"].(string)
}

func (e *env) photo(id string) map[string]any {
	e.t.Helper()
	r, err := e.srv.App.FindRecordById(schema.Photos, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r.PublicExport()
}

// get fetches a photo variant ("" for the default).
func (e *env) get(token, id, variant string) testkit.Response {
	e.t.Helper()
	path := "/api/fs/photos/" + id
	if variant != "" {
		path += "/" + variant
	}
	return e.raw("GET", path, token, nil, nil)
}

// blobCount is the number of blob records.
func (e *env) blobCount() int {
	e.t.Helper()
	n, err := e.srv.App.CountRecords(schema.Blobs)
	if err != nil {
		e.t.Fatal(err)
	}
	return int(n)
}

// storedFiles lists the blob files in the app's file storage (local or S3) and the parts
// under the data dir's blob_parts.
func (e *env) storedFiles() []string {
	e.t.Helper()
	fsys, err := e.srv.App.NewFilesystem()
	if err != nil {
		e.t.Fatal(err)
	}
	defer fsys.Close()
	objects, err := fsys.List("blobs/")
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, o := range objects {
		out = append(out, o.Key)
	}
	root := filepath.Join(e.srv.App.DataDir(), "blob_parts")
	err = filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if !info.IsDir() {
			out = append(out, path)
		}
		return nil
	})
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		e.t.Fatal(err)
	}
	return out
}

// assertNothingKept checks that no blob record and no file exist.
func (e *env) assertNothingKept(what string) {
	e.t.Helper()
	if n := e.blobCount(); n != 0 {
		e.t.Errorf("%s: %d blob records kept", what, n)
	}
	if files := e.storedFiles(); len(files) != 0 {
		e.t.Errorf("%s: files kept: %v", what, files)
	}
}

func code(t *testing.T, r testkit.Response) string {
	t.Helper()
	var body struct{ Code string }
	json.Unmarshal(r.Body, &body)
	return body.Code
}
