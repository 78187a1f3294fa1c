package reports_test

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/reports"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/internal/vocab"
)

const o311 = "/open311/v2/"

// issueKey issues an Open311 api_key as a district administrator.
func issueKey(t *testing.T, srv *testkit.Server) string {
	t.Helper()
	if res := srv.Do(http.MethodPost, "/api/fs/open311/keys", srv.Token("users", testkit.SupervisorA), map[string]any{"name": "x"}); res.Status < 400 {
		t.Fatalf("a supervisor issued a key: %d", res.Status)
	}
	res := srv.Do(http.MethodPost, "/api/fs/open311/keys", srv.Token(core.CollectionNameSuperusers, testkit.Superuser),
		map[string]any{"name": "12345 市民热线"})
	if res.Status != http.StatusCreated {
		t.Fatalf("issue key: %d %s", res.Status, res.Body)
	}
	return res.JSON(t)["api_key"].(string)
}

// wantError checks an answer is the standard's error: status, and [{"code", "description"}]
// in JSON or <errors><error><code/><description/></error></errors> in XML.
func wantError(t *testing.T, res testkit.Response, format string, status int) {
	t.Helper()
	if res.Status != status {
		t.Fatalf("want %d, got %d %s", status, res.Status, res.Body)
	}
	if format == "xml" {
		var errs struct {
			XMLName xml.Name `xml:"errors"`
			Errors  []struct {
				Code        int    `xml:"code"`
				Description string `xml:"description"`
			} `xml:"error"`
		}
		if err := xml.Unmarshal(res.Body, &errs); err != nil || len(errs.Errors) != 1 || errs.Errors[0].Code != status || errs.Errors[0].Description == "" {
			t.Fatalf("not an Open311 XML error: %s %v", res.Body, err)
		}
		return
	}
	var errs []map[string]any
	if err := json.Unmarshal(res.Body, &errs); err != nil || len(errs) != 1 || len(errs[0]) != 2 ||
		errs[0]["code"] != float64(status) || errs[0]["description"] == "" {
		t.Fatalf("not an Open311 JSON error: %s %v", res.Body, err)
	}
}

// decodeList decodes a JSON array answer, or an XML answer under root/item.
func decodeList(t *testing.T, res testkit.Response, format string) []map[string]string {
	t.Helper()
	if format == "json" {
		var raw []map[string]any
		if err := json.Unmarshal(res.Body, &raw); err != nil {
			t.Fatalf("%s: %v", res.Body, err)
		}
		out := make([]map[string]string, len(raw))
		for i, m := range raw {
			out[i] = map[string]string{}
			for k, v := range m {
				b, _ := json.Marshal(v)
				out[i][k] = strings.Trim(string(b), `"`)
			}
		}
		return out
	}
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/xml") {
		t.Fatalf("XML answered as %s", res.Header.Get("Content-Type"))
	}
	var doc struct {
		Items []struct {
			Fields []struct {
				XMLName xml.Name
				Value   string `xml:",chardata"`
			} `xml:",any"`
		} `xml:",any"`
	}
	if err := xml.Unmarshal(res.Body, &doc); err != nil {
		t.Fatalf("%s: %v", res.Body, err)
	}
	out := make([]map[string]string, len(doc.Items))
	for i, it := range doc.Items {
		out[i] = map[string]string{}
		for _, f := range it.Fields {
			out[i][f.XMLName.Local] = f.Value
		}
	}
	return out
}

// TestOpen311_Conformance walks every endpoint of GeoReport v2, in JSON and XML, with valid
// and invalid input.
func TestOpen311_Conformance(t *testing.T) {
	srv := newServer(t)
	key := issueKey(t, srv)
	created := map[string]string{} // format → service_request_id
	tokens := map[string]string{}
	for _, format := range []string{"json", "xml"} {
		t.Run(format, func(t *testing.T) {
			get := func(path string) testkit.Response { return do(t, srv, http.MethodGet, o311+path, nil) }
			post := func(v url.Values) testkit.Response {
				return do(t, srv, http.MethodPost, o311+"requests."+format, v, "X-Fieldsync-Device", device())
			}

			// Service discovery and the service list.
			if res := get("discovery." + format); res.Status != http.StatusOK || !strings.Contains(string(res.Body), "GeoReport_v2") {
				t.Errorf("discovery: %d %s", res.Status, res.Body)
			}
			services := decodeList(t, get("services."+format), format)
			if len(services) != len(vocab.ReportCategory.Terms) {
				t.Fatalf("services: %v", services)
			}
			for _, s := range services {
				for _, f := range []string{"service_code", "service_name", "description", "metadata", "type", "keywords", "group"} {
					if _, ok := s[f]; !ok {
						t.Errorf("service %v lacks %s", s, f)
					}
				}
				if s["type"] != "realtime" || s["metadata"] != "true" {
					t.Errorf("service %v", s)
				}
			}
			if res := get("services." + format + "?jurisdiction_id=haidian.beijing.gov.cn"); res.Status != http.StatusOK {
				t.Errorf("own jurisdiction: %d", res.Status)
			}
			wantError(t, get("services."+format+"?jurisdiction_id=chaoyang"), format, http.StatusNotFound)

			// A service's definition.
			def := get("services/fire." + format)
			if def.Status != http.StatusOK || !strings.Contains(string(def.Body), "subdistrict") || !strings.Contains(string(def.Body), "wanshoulu") {
				t.Errorf("definition: %d %s", def.Status, def.Body)
			}
			if format == "xml" && !strings.Contains(string(def.Body), "<service_definition><service_code>fire</service_code><attributes><attribute>") {
				t.Errorf("definition XML: %s", def.Body)
			}
			wantError(t, get("services/noise."+format), format, http.StatusNotFound)

			// Creating requests: the key, the service, the location and the description.
			valid := url.Values{"api_key": {key}, "service_code": {"tutoring.exam_cramming"},
				"address_id": {testkit.Side("centreplace", "a")}, "description": {"周末开设小升初应试冲刺班，" + format},
				"first_name": {"丽"}, "last_name": {"孙"}, "phone": {"13911112222"}, "email": {"sun.parent@example.com"},
				"attribute[idempotency_key]": {"open311-key-0000000-" + format}}
			if format == "xml" {
				valid.Set("service_code", "tutoring.fees")
			}
			for name, change := range map[string]func(url.Values){
				"no api_key":    func(v url.Values) { v.Del("api_key") },
				"wrong api_key": func(v url.Values) { v.Set("api_key", "o311_guess") },
			} {
				v := clone(valid)
				change(v)
				t.Run(name, func(t *testing.T) { wantError(t, post(v), format, http.StatusForbidden) })
			}
			for name, change := range map[string]func(url.Values){
				"no service_code":        func(v url.Values) { v.Del("service_code") },
				"unknown service_code":   func(v url.Values) { v.Set("service_code", "noise") },
				"no location":            func(v url.Values) { v.Del("address_id") },
				"lat without long":       func(v url.Values) { v.Set("lat", "39.9") },
				"lat not a number":       func(v url.Values) { v.Set("lat", "north"); v.Set("long", "116.3") },
				"point outside Beijing":  func(v url.Values) { v.Del("address_id"); v.Set("lat", "31.2"); v.Set("long", "121.5") },
				"no description":         func(v url.Values) { v.Del("description") },
				"bad e-mail":             func(v url.Values) { v.Set("email", "nobody") },
				"foreign media_url":      func(v url.Values) { v.Set("media_url", "http://example.com/a.jpg") },
				"unknown subdistrict":    func(v url.Values) { v.Set("attribute[subdistrict]", "gotham") },
				"short idempotency key":  func(v url.Values) { v.Set("attribute[idempotency_key]", "k") },
				"unknown place":          func(v url.Values) { v.Set("address_id", "nosuchplace0000") },
				"photo never uploaded":   func(v url.Values) { v.Set("media_url", srv.URL+"/api/fs/photos/nosuchphoto0000") },
				"foreign jurisdiction":   func(v url.Values) { v.Set("jurisdiction_id", "chaoyang") },
				"staff photo as media":   func(v url.Values) { v.Set("media_url", "/api/fs/photos/"+testkit.Side("photo", "a")) },
				"address far from place": func(v url.Values) { v.Del("address_id"); v.Set("address_string", "某处") },
			} {
				v := clone(valid)
				change(v)
				want := http.StatusBadRequest
				if name == "foreign jurisdiction" {
					want = http.StatusNotFound
				}
				t.Run(name, func(t *testing.T) { wantError(t, post(v), format, want) })
			}
			before, _ := srv.App.CountRecords(schema.Reports)
			res := post(valid)
			if res.Status != http.StatusCreated {
				t.Fatalf("create: %d %s", res.Status, res.Body)
			}
			got := decodeList(t, res, format)
			if len(got) != 1 || !strings.HasPrefix(got[0]["service_request_id"], "HD-") || got[0]["token"] == "" || got[0]["receipt"] == "" {
				t.Fatalf("created: %v", got)
			}
			created[format], tokens[format] = got[0]["service_request_id"], got[0]["token"]
			again := decodeList(t, post(valid), format)
			if again[0]["service_request_id"] != created[format] {
				t.Errorf("retry made another request: %v", again)
			}
			if after, _ := srv.App.CountRecords(schema.Reports); after != before+1 {
				t.Errorf("%d requests stored", after-before)
			}
			// The receipt opens the report on the native route.
			if res := lookup(t, srv, created[format], got[0]["receipt"]); res.Status != http.StatusOK {
				t.Errorf("receipt of an Open311 request: %d %s", res.Status, res.Body)
			}
			if r := reportByTracking(t, srv.App, created[format]); r.GetString("source") != "open311" {
				t.Errorf("source: %s", r.GetString("source"))
			}

			// Querying requests.
			one := decodeList(t, get("requests/"+created[format]+"."+format), format)
			if len(one) != 1 || one[0]["service_request_id"] != created[format] || one[0]["status"] != "open" ||
				one[0]["description"] != "" || one[0]["agency_responsible"] != "万寿路街道" || one[0]["address_id"] == "" {
				t.Errorf("request: %v", one)
			}
			for _, f := range []string{"status_notes", "service_name", "service_code", "requested_datetime", "updated_datetime", "expected_datetime", "address", "zipcode", "media_url"} {
				if _, ok := one[0][f]; !ok {
					t.Errorf("request lacks %s: %v", f, one[0])
				}
			}
			if _, ok := one[0]["lat"]; format == "json" && !ok { // null without a point; left out of XML
				t.Errorf("request lacks lat: %v", one[0])
			}
			wantError(t, get("requests/HD-000000-NOSUCH."+format), format, http.StatusNotFound)
			list := decodeList(t, get("requests."+format), format)
			if !hasRequest(list, created[format]) {
				t.Errorf("the list lacks %s", created[format])
			}
			if l := decodeList(t, get("requests."+format+"?status=closed"), format); hasRequest(l, created[format]) {
				t.Errorf("an open request listed as closed")
			}
			if l := decodeList(t, get("requests."+format+"?service_code=dust"), format); hasRequest(l, created[format]) {
				t.Errorf("service_code filter ignored")
			}
			if l := decodeList(t, get("requests."+format+"?service_request_id="+created[format]+",HD-000000-NOSUCH"), format); len(l) != 1 {
				t.Errorf("by id: %v", l)
			}
			// Ids override every other argument.
			if l := decodeList(t, get("requests."+format+"?service_request_id="+created[format]+"&status=closed&service_code=dust"), format); len(l) != 1 {
				t.Errorf("ids with other arguments: %v", l)
			}
			if l := decodeList(t, get("requests."+format+"?start_date=2018-01-01T00:00:00%2B08:00&end_date=2018-12-31T00:00:00%2B08:00"), format); hasRequest(l, created[format]) {
				t.Errorf("date filter ignored")
			}
			for _, q := range []string{"status=pending", "start_date=yesterday", "end_date=2018-13-01",
				"start_date=2019-01-01T00:00:00Z&end_date=2018-01-01T00:00:00Z", "service_code=noise"} {
				t.Run(q, func(t *testing.T) { wantError(t, get("requests."+format+"?"+q), format, http.StatusBadRequest) })
			}

			// Tokens.
			tok := decodeList(t, get("tokens/"+tokens[format]+"."+format), format)
			if len(tok) != 1 || tok[0]["service_request_id"] != created[format] || tok[0]["token"] != tokens[format] {
				t.Errorf("token: %v", tok)
			}
			wantError(t, get("tokens/nosuchtoken0000."+format), format, http.StatusNotFound)
		})
	}
	// A key the administrators switched off opens nothing.
	keys, err := srv.App.FindAllRecords(schema.Open311Keys)
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys: %v %v", keys, err)
	}
	keys[0].Set("active", false)
	access.AsSystem(keys[0])
	if err := srv.App.Save(keys[0]); err != nil {
		t.Fatal(err)
	}
	wantError(t, do(t, srv, http.MethodPost, o311+"requests.json", url.Values{"api_key": {key}, "service_code": {"dust"},
		"lat": {"39.9"}, "long": {"116.3"}, "description": {"工地扬尘严重"}}), "json", http.StatusForbidden)
	// Formats other than json and xml, and unknown endpoints.
	wantError(t, do(t, srv, http.MethodGet, o311+"services.yaml", nil), "json", http.StatusNotFound)
	wantError(t, do(t, srv, http.MethodGet, o311+"services", nil), "json", http.StatusNotFound)
	wantError(t, do(t, srv, http.MethodGet, o311+"tokens/abc.csv", nil), "json", http.StatusNotFound)
	wantError(t, do(t, srv, http.MethodGet, o311+"things.json", nil), "json", http.StatusNotFound)
	wantError(t, do(t, srv, http.MethodPost, o311+"services.json", url.Values{}), "json", http.StatusNotFound)
}

func clone(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func hasRequest(list []map[string]string, id string) bool {
	for _, r := range list {
		if r["service_request_id"] == id {
			return true
		}
	}
	return false
}

// TestPublic_NoPrivateData: after a report went through its whole life, no public answer and
// no Open311 answer, in either format, carries the reporter's contact, a staff name, the
// responsible party, the signer, the description or a staff note.
func TestPublic_NoPrivateData(t *testing.T) {
	srv := newServer(t)
	s := submit(t, srv, report("key-privacy-00000001"), device(), http.StatusCreated)
	r := reportByTracking(t, srv.App, s.Tracking)
	mustCommand(t, srv, testkit.SupervisorA, reports.AssignCommand, schema.Reports, r.Id, map[string]any{"inspector": testkit.InspectorA})
	finding := newFinding(t, srv)
	mustCommand(t, srv, testkit.InspectorA, reports.LinkCommand, schema.Reports, r.Id, map[string]any{"finding": finding})
	lifecycle(t, srv, finding)
	info := do(t, srv, http.MethodPost, "/api/fs/reports/"+s.Tracking+"/info", map[string]any{"text": "补充"}, "X-Report-Receipt", s.Receipt)
	dup := submit(t, srv, report("key-privacy-00000002"), device(), http.StatusCreated)

	answers := map[string]testkit.Response{"reporter info": info}
	for _, path := range []string{"/api/fs/reports/form", "/api/fs/vocab"} {
		answers[path] = do(t, srv, http.MethodGet, path, nil)
	}
	answers["reporter view"] = lookup(t, srv, s.Tracking, s.Receipt)
	answers["duplicate view"] = lookup(t, srv, dup.Tracking, dup.Receipt)
	for _, format := range []string{"json", "xml"} {
		for _, path := range []string{"services", "requests", "requests/" + s.Tracking, "requests/" + dup.Tracking,
			"tokens/" + r.Id, "services/tutoring.exam_cramming", "discovery"} {
			answers[path+"."+format] = do(t, srv, http.MethodGet, o311+path+"."+format, nil)
			answers[path+"."+format+" en"] = do(t, srv, http.MethodGet, o311+path+"."+format, nil, "Accept-Language", "en")
		}
	}
	secret := append(append([]string{}, contactParts...), inspectorName, supervisorName, partyName, signerName,
		"现场检查", "承认周末", "五年级数学班", "13700000000", "李家长")
	for name, res := range answers {
		if res.Status != http.StatusOK && res.Status != http.StatusCreated {
			t.Errorf("%s: %d %s", name, res.Status, res.Body)
		}
		for _, p := range secret {
			own := strings.HasPrefix(name, "reporter") || strings.HasPrefix(name, "duplicate")
			if own && p == "五年级数学班" {
				continue // a reporter reads their own description
			}
			if strings.Contains(string(res.Body), p) {
				t.Errorf("%s shows %q", name, p)
			}
		}
	}
	// The reporter reads their own description; the public never does.
	if !strings.Contains(string(answers["reporter view"].Body), "五年级数学班") {
		t.Errorf("the reporter cannot read their own report")
	}
	if !strings.Contains(string(answers["requests/"+s.Tracking+".json"].Body), `"status":"closed"`) {
		t.Errorf("a fixed request is not closed in Open311: %s", answers["requests/"+s.Tracking+".json"].Body)
	}
}

// The status filter is the case's status and is applied by the query: a duplicate joined to a
// rejected report is closed with it, and both leave the open list.
func TestOpen311_StatusFilterFollowsTheCase(t *testing.T) {
	srv := newServer(t)
	first := submit(t, srv, report("key-status-00000001"), device(), http.StatusCreated)
	dup := submit(t, srv, report("key-status-00000002"), device(), http.StatusCreated)
	if d := reportByTracking(t, srv.App, dup.Tracking); d.GetString("duplicate_of") == "" {
		t.Fatalf("the second report is no duplicate: %v", d)
	}
	list := func(status string) []map[string]string {
		return decodeList(t, do(t, srv, http.MethodGet, o311+"requests.json?status="+status, nil), "json")
	}
	if l := list("open"); !hasRequest(l, first.Tracking) || !hasRequest(l, dup.Tracking) {
		t.Fatalf("open list before rejection: %v", l)
	}
	r := reportByTracking(t, srv.App, first.Tracking)
	mustCommand(t, srv, testkit.SupervisorA, reports.RejectCommand, schema.Reports, r.Id, map[string]any{"reason": "非本街镇辖区"})
	if l := list("open"); hasRequest(l, first.Tracking) || hasRequest(l, dup.Tracking) {
		t.Errorf("open list after rejection: %v", l)
	}
	if l := list("closed"); !hasRequest(l, first.Tracking) || !hasRequest(l, dup.Tracking) {
		t.Errorf("closed list after rejection: %v", l)
	}
}
