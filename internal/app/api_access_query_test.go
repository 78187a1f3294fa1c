package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// expectQueryRefused checks the answer to a filter or sort through a multi-valued relation.
func expectQueryRefused(t *testing.T, res testkit.Response, param string) {
	t.Helper()
	var body struct {
		Status int
		Data   map[string]struct{ Code, Message string }
	}
	if err := json.Unmarshal(res.Body, &body); err != nil {
		t.Fatalf("%d %s: %v", res.Status, res.Body, err)
	}
	got := body.Data[param]
	if res.Status != 400 || got.Code != "query_path_refused" || !strings.Contains(got.Message, "多值关联") ||
		!strings.Contains(got.Message, "multi-valued") {
		t.Errorf("got %d %s, want 400 query_path_refused on %s in Chinese and English", res.Status, res.Body, param)
	}
}

// TestAccess_ProbedLeaksRefused replays the probes that read hidden text through filters on
// multi-valued relations: every one is refused, whatever the operator, while a district
// administrator may still filter by any path.
func TestAccess_ProbedLeaksRefused(t *testing.T) {
	p := newAccessProbe(t)
	cases := []struct {
		actor        accessActor
		coll, filter string
	}{
		{actInspB, schema.Agencies, `findings_via_agency.description !~ "地下一层%"`},
		{actInspB, schema.Agencies, `findings_via_agency.description ?~ "地下一层%"`},
		{actFire, schema.Subdistricts, `findings_via_subdistrict.description !~ "私拉%"`},
		{actFire, schema.Subdistricts, `places_via_subdistrict.address !~ "测试路%"`},
		{actInspA, schema.Subdistricts, `users_via_subdistricts.phone !~ "139%"`},
		{actInspA, schema.Subdistricts, `@request.auth.subdistricts.users_via_subdistricts.phone != ""`},
		{actInspA, schema.Findings, `place.findings_via_place.description != "x"`},
		{actFire, schema.Subdistricts, `strftime('%Y', findings_via_subdistrict.created) = "2018"`},
		{actInspA, schema.Findings, `@collection.findings.description ?= "x"`},
		{actAnon, schema.PublicCentres, `@collection.tutoring_centres.legal_rep_name ?~ "张"`},
	}
	for _, tc := range cases {
		t.Run(tc.actor.String()+" "+tc.coll+" "+tc.filter, func(t *testing.T) {
			expectQueryRefused(t, p.do(tc.actor, "GET", accessPath(tc.coll, "", accessFilter(tc.filter)), nil), "filter")
			if res := p.do(actSuper, "GET", accessPath(tc.coll, "", accessFilter(tc.filter)), nil); res.Status != 200 {
				t.Errorf("superuser: %d %s", res.Status, res.Body)
			}
		})
	}
	expectQueryRefused(t, p.do(actInspA, "GET", accessPath(schema.Places, "", url.Values{"sort": {"name,-findings_via_place.created"}}), nil), "sort")
	// A HEAD request runs the list query too; its Content-Length would tell the answer's size.
	head := p.do(actInspB, "HEAD", accessPath(schema.Agencies, "", accessFilter(`findings_via_agency.description !~ "x%"`)), nil)
	if head.Status != 400 {
		t.Errorf("HEAD with a refused filter: %d, want 400", head.Status)
	}

	// Paths through single relations, and through multi-valued ones into collections anyone
	// may read, still work.
	for _, q := range []url.Values{
		accessFilter(`place.subdistrict.code = "wanshoulu" && inspection.inspector != ""`),
		accessFilter(`subdistrict.name_zh ~ "万寿路" && author.subdistricts.name_zh ?= "万寿路街道"`),
		{"sort": {"-place.name,deadline"}},
	} {
		if res := p.do(actInspA, "GET", accessPath(schema.Findings, "", q), nil); res.Status != 200 {
			t.Errorf("%v: %d %s", q, res.Status, res.Body)
		}
	}
}

// TestAccess_RealtimeFilterRefused: a realtime subscription is refused a filter that a list
// would be refused, so record events cannot be used as the oracle instead.
func TestAccess_RealtimeFilterRefused(t *testing.T) {
	p := newAccessProbe(t)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.srv.URL+"/api/realtime", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	clientID := realtimeClientID(t, res)
	subscribe := func(topic, filter string) testkit.Response {
		options, _ := json.Marshal(map[string]any{"query": map[string]string{"filter": filter}})
		return p.do(actInspB, http.MethodPost, "/api/realtime", map[string]any{"clientId": clientID,
			"subscriptions": []string{topic + "?options=" + url.QueryEscape(string(options))}})
	}
	expectQueryRefused(t, subscribe(schema.Agencies+"/*", `findings_via_agency.description !~ "地下一层%"`), "filter")
	if res := subscribe(schema.Findings+"/*", `place.subdistrict = "`+testkit.SubdistrictB+`"`); res.Status != http.StatusNoContent {
		t.Errorf("a filter through a single relation: %d %s", res.Status, res.Body)
	}
}

// realtimeClientID reads the client id from the stream's PB_CONNECT event.
func realtimeClientID(t *testing.T, res *http.Response) string {
	t.Helper()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data:")
		if !ok {
			continue
		}
		var connect struct{ ClientID string }
		if err := json.Unmarshal([]byte(data), &connect); err == nil && connect.ClientID != "" {
			return connect.ClientID
		}
	}
	t.Fatalf("no PB_CONNECT event: %v", sc.Err())
	return ""
}
