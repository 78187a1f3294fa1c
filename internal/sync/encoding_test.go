package sync_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// A pull answer is compressed as the client asks with Accept-Encoding, and decodes to the
// very answer a client asking for nothing gets, as phones already in the field do.
func TestPull_CompressedAsAccepted(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	d := newDevice(t, srv, testkit.InspectorA, "encoding-a")
	pull := func(accept string, scopes map[sync.Scope]sync.ScopeRequest) (testkit.Response, sync.PullResponse) {
		t.Helper()
		body, _ := json.Marshal(sync.PullRequest{ClientID: d.id, Scopes: scopes, LimitRows: 1000})
		header := map[string]string{"Content-Type": "application/json"}
		if accept != "" {
			header["Accept-Encoding"] = accept
		}
		res := srv.DoRaw(http.MethodPost, "/api/sync/v1/pull", d.token, header, body)
		if res.Status != http.StatusOK {
			t.Fatalf("%q: %d %s", accept, res.Status, res.Body)
		}
		raw := res.Body
		switch coding := res.Header.Get("Content-Encoding"); coding {
		case "gzip":
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("%q: %v", accept, err)
			}
			if raw, err = io.ReadAll(zr); err != nil {
				t.Fatalf("%q: %v", accept, err)
			}
		case "zstd":
			zr, _ := zstd.NewReader(nil)
			defer zr.Close()
			var err error
			if raw, err = zr.DecodeAll(raw, nil); err != nil {
				t.Fatalf("%q: %v", accept, err)
			}
		case "":
		default:
			t.Fatalf("%q: Content-Encoding %q", accept, coding)
		}
		if got := res.Header.Get("Content-Length"); got != "" && got != strconv.Itoa(len(res.Body)) {
			t.Errorf("%q: Content-Length %s for %d bytes", accept, got, len(res.Body))
		}
		var out sync.PullResponse
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%q: %v", accept, err)
		}
		return res, out
	}
	fresh := map[sync.Scope]sync.ScopeRequest{}
	plain, want := pull("", fresh)
	if len(plain.Body) < 1400 {
		t.Fatalf("the fixture's first download is %d bytes, too small to show compression", len(plain.Body))
	}
	for _, c := range []struct{ accept, coding string }{
		{"", ""},
		{"identity", ""},
		{"gzip", "gzip"},
		{"gzip, deflate, br", "gzip"},
		{"zstd", "zstd"},
		{"gzip, deflate, br, zstd", "zstd"},
		{"zstd;q=0, gzip;q=0.5", "gzip"},
		{"ZSTD;q=0.1", "zstd"},
		{"gzip;q=0, zstd;q=0", ""},
		{"br", ""},
	} {
		res, got := pull(c.accept, fresh)
		if coding := res.Header.Get("Content-Encoding"); coding != c.coding {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", c.accept, coding, c.coding)
		}
		if c.coding != "" && len(res.Body)*3 > len(plain.Body) {
			t.Errorf("Accept-Encoding %q: %d bytes against %d uncompressed", c.accept, len(res.Body), len(plain.Body))
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Accept-Encoding %q: the answer differs from the uncompressed one", c.accept)
		}
		if vary := res.Header.Values("Vary"); len(vary) == 0 {
			t.Errorf("Accept-Encoding %q: no Vary header", c.accept)
		}
	}
	// A delta pull with nothing new fits in a packet: it is sent as it is.
	at := map[sync.Scope]sync.ScopeRequest{}
	for sc, sr := range want.Scopes {
		at[sc] = sync.ScopeRequest{Cursor: sr.Cursor}
	}
	if res, _ := pull("zstd, gzip", at); res.Header.Get("Content-Encoding") != "" || len(res.Body) >= 1400 {
		t.Errorf("empty delta: Content-Encoding %q, %d bytes", res.Header.Get("Content-Encoding"), len(res.Body))
	}
}

// A client that sends no Accept-Encoding of its own, as Go's HTTP client does by default
// (the Go client of phones already in the field), gets gzip and reads it transparently.
func TestPull_OldGoClientReadsGzip(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	d := newDevice(t, srv, testkit.InspectorA, "encoding-old")
	body, _ := json.Marshal(sync.PullRequest{ClientID: d.id, Scopes: map[sync.Scope]sync.ScopeRequest{}, LimitRows: 1000})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/sync/v1/pull", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", d.token)
	res, err := (&http.Client{Transport: &http.Transport{}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out sync.PullResponse
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if !res.Uncompressed {
		t.Errorf("the transport did not receive gzip")
	}
	if n := len(out.Scopes[sync.SubdistrictScope(testkit.SubdistrictA)].Changes); n == 0 {
		t.Errorf("no changes in %s", testkit.SubdistrictA)
	}
}

// canonicalDate passes a stored date through unparsed only when PocketBase's parse and format
// would give it back unchanged.
func TestCanonicalDate_AgreesWithPocketBase(t *testing.T) {
	agree := func(s string) {
		t.Helper()
		d, err := types.ParseDateTime(s)
		same := err == nil && d.String() == s
		if got := sync.CanonicalDate(s); got && !same {
			t.Errorf("%q passes through, but PocketBase prints it as %q (%v)", s, d.String(), err)
		} else if !got && same && len(s) == len("2006-01-02 15:04:05.000Z") && s[0] != '0' {
			t.Errorf("%q is canonical but goes the slow way", s)
		}
	}
	for _, s := range []string{
		"2018-05-02 09:00:00.000Z", "2024-02-29 23:59:59.999Z", "2023-02-29 00:00:00.000Z",
		"2018-13-02 09:00:00.000Z", "2018-04-31 09:00:00.000Z", "2018-05-02 24:00:00.000Z",
		"2018-05-02 09:60:00.000Z", "2018-05-02 09:00:60.000Z", "0001-01-01 00:00:00.000Z",
		"2018-05-02T09:00:00.000Z", "2018-05-02 09:00:00Z", "2018-05-02 09:00:00.000+08:00",
		"", "2018-05-02", "2018-05-02 09:00:00.00aZ", "2018-00-02 09:00:00.000Z", "2018-05-00 09:00:00.000Z",
	} {
		agree(s)
	}
	rng := rand.New(rand.NewPCG(19, 19))
	for range 20000 {
		tm := time.Date(1000+rng.IntN(9000), time.Month(1+rng.IntN(12)), 1+rng.IntN(31), rng.IntN(24), rng.IntN(60),
			rng.IntN(60), rng.IntN(1000)*int(time.Millisecond), time.UTC)
		s := []byte(tm.Format("2006-01-02 15:04:05.000Z"))
		if rng.IntN(4) == 0 { // and some impossible digits: month 13, day 32, hour 24 ...
			i := rng.IntN(len(s))
			if s[i] >= '0' && s[i] <= '9' {
				s[i] = byte('0' + rng.IntN(10))
			}
		}
		agree(string(s))
	}
}

// Single relations and selects pass their stored text through only where PrepareValue would
// give it back unchanged.
func TestStoredAsShown_AgreesWithPrepareValue(t *testing.T) {
	texts := []string{"", "abc123", "a b", `["x"]`, `["x","y"]`, "[", "[broken", `"quoted"`, "x]", "多值", `[""]`}
	for _, f := range []core.Field{
		&core.RelationField{Name: "r", MaxSelect: 1}, &core.SelectField{Name: "s", MaxSelect: 1, Values: []string{"a"}},
		&core.RelationField{Name: "rm", MaxSelect: 5}, &core.SelectField{Name: "sm", MaxSelect: 5, Values: []string{"a"}},
		&core.TextField{Name: "t"}, &core.DateField{Name: "d"},
	} {
		pass := sync.StoredAsShown(f)
		if f.GetName() == "rm" || f.GetName() == "sm" || f.GetName() == "t" {
			if pass != nil {
				t.Errorf("%T %s: passes stored text through", f, f.GetName())
			}
			continue
		}
		for _, s := range texts {
			want, err := f.PrepareValue(core.NewRecord(core.NewBaseCollection("c")), s)
			if err != nil {
				t.Fatal(err)
			}
			if pass(s) && !reflect.DeepEqual(want, s) {
				t.Errorf("%T %s: %q passes through, PrepareValue gives %#v", f, f.GetName(), s, want)
			}
		}
	}
}
