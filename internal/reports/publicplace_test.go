package reports_test

import (
	"bytes"
	"crypto/rand"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// randomID is a record id no record has.
func randomID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 15)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// TestSubmit_PrivatePlaceAnswersAsUnknown: through either public door, the id of a place the
// public views do not publish (a home, a venue, bare land) gets exactly the answer of an id
// nobody has, and stores nothing; a centre and a construction site are still taken.
func TestSubmit_PrivatePlaceAnswersAsUnknown(t *testing.T) {
	srv := newServer(t)
	key := issueKey(t, srv)
	const text = "楼道里堆满了杂物，还有电动车在充电"
	doors := []struct {
		name string
		send func(place string) testkit.Response
	}{
		{"form, place", func(place string) testkit.Response {
			return do(t, srv, http.MethodPost, "/api/fs/reports", map[string]any{"category": "fire", "place": place, "description": text},
				"X-Fieldsync-Device", device())
		}},
		{"Open311 JSON, address_id", func(place string) testkit.Response {
			return do(t, srv, http.MethodPost, o311+"requests.json", url.Values{"api_key": {key}, "service_code": {"fire"},
				"address_id": {place}, "description": {text}, "device_id": {device()}})
		}},
		{"Open311 XML, attribute[place]", func(place string) testkit.Response {
			return do(t, srv, http.MethodPost, o311+"requests.xml", url.Values{"api_key": {key}, "service_code": {"fire"},
				"attribute[place]": {place}, "description": {text}, "device_id": {device()}})
		}},
	}
	stored := func() int64 {
		n, err := srv.App.CountRecords(schema.Reports)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := stored()
	for _, door := range doors {
		unknown := door.send(randomID())
		if unknown.Status != http.StatusBadRequest {
			t.Fatalf("%s, unknown id: %d %s", door.name, unknown.Status, unknown.Body)
		}
		for _, private := range []string{testkit.Side("home", "a"), testkit.Side("venue", "a"), testkit.Side("land", "a")} {
			if got := door.send(private); got.Status != unknown.Status || !bytes.Equal(got.Body, unknown.Body) {
				t.Errorf("%s, %s: %d %s; an unknown id: %d %s", door.name, private, got.Status, got.Body, unknown.Status, unknown.Body)
			}
		}
	}
	if n := stored(); n != before {
		t.Errorf("%d reports stored", n-before)
	}
	for _, ok := range []map[string]any{
		{"category": "tutoring.exam_cramming", "place": testkit.Side("centreplace", "a"), "description": text},
		{"category": "tutoring.exam_cramming", "centre": testkit.Side("centre", "a"), "description": text},
		{"category": "dust", "place": testkit.Side("siteplace", "a"), "description": text},
	} {
		submit(t, srv, ok, device(), http.StatusCreated)
	}
}

// TestPublicAnswers_SayNothingOfAPrivateHome: a report that names a home (as a submission
// before this rule stored it: the home's address and point copied in) and the report that
// joined its case say nothing of the home in the receipt view or in Open311, not even its
// point rounded.
func TestPublicAnswers_SayNothingOfAPrivateHome(t *testing.T) {
	srv := newServer(t)
	home, err := srv.App.FindRecordById(schema.Places, testkit.Side("home", "a"))
	if err != nil {
		t.Fatal(err)
	}
	point := types.GeoPoint{Lon: 116.31237, Lat: 39.94561}
	home.Set("location", point)
	access.AsSystem(home)
	if err := srv.App.Save(home); err != nil {
		t.Fatal(err)
	}
	facts := []string{home.GetString("name"), home.GetString("address"), "116.3123", "39.9456", "116.312", "39.946"}

	first := submit(t, srv, report("key-home-000000000001"), device(), http.StatusCreated)
	second := submit(t, srv, report("key-home-000000000002"), device(), http.StatusCreated)
	if second.DuplicateOf != first.Tracking {
		t.Fatalf("the second report did not join the first's case: %+v", second)
	}
	// The view names the public place it was filed at: the check below can see a place.
	if v := view(t, srv, first.Tracking, first.Receipt); v["place_name"] != "学而思测试校区 a" {
		t.Fatalf("view of a centre's report: %v", v)
	}
	for _, s := range []submitted{first, second} {
		r := reportByTracking(t, srv.App, s.Tracking)
		r.Set("place", home.Id)
		r.Set("address", home.GetString("address"))
		r.Set("location", point)
		access.AsSystem(r)
		if err := srv.App.Save(r); err != nil {
			t.Fatal(err)
		}
	}
	answers := map[string]testkit.Response{
		"query": do(t, srv, http.MethodGet, o311+"requests.json?service_request_id="+first.Tracking+","+second.Tracking, nil),
	}
	for _, s := range []submitted{first, second} {
		answers["view of "+s.Tracking] = lookup(t, srv, s.Tracking, s.Receipt)
		for _, format := range []string{"json", "xml"} {
			answers[format+" of "+s.Tracking] = do(t, srv, http.MethodGet, o311+"requests/"+s.Tracking+"."+format, nil)
		}
	}
	for name, res := range answers {
		if res.Status != http.StatusOK || !strings.Contains(string(res.Body), first.Tracking) {
			t.Fatalf("%s: %d %s", name, res.Status, res.Body)
		}
		for _, fact := range facts {
			if strings.Contains(string(res.Body), fact) {
				t.Errorf("%s holds the home's %q: %s", name, fact, res.Body)
			}
		}
	}
}
