package cityview_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	stdsync "sync"
	"sync/atomic"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/cityview"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// tokens holds the city's token of each test app: every app is a district of its own.
var (
	tokens    stdsync.Map
	districts atomic.Int64
)

func TestMain(m *testing.M) {
	testkit.SetBind(func(a core.App) {
		app.Bind(a)
		tok := fmt.Sprintf("city-view-token-of-district-%03d-0123456789", districts.Add(1))
		tokens.Store(a, tok)
		cityview.Register(a, cityview.Config{Token: tok})
	})
	testkit.Main(m)
}

func tokenOf(a core.App) string {
	tok, _ := tokens.Load(a)
	return tok.(string)
}

// district is one district's server in the simulated city.
type district struct {
	name string
	srv  *testkit.Server
}

func (d district) reach() cityview.District {
	return cityview.District{Name: d.name, URL: d.srv.URL, Token: tokenOf(d.srv.App)}
}

// finding is what the test writes into a district: its own model of the figures.
type finding struct {
	programme, category, place, deadline string
	voided                               bool
}

// kinds are the findings a district gets, one per kind per round; the deadline decides
// whether an open finding is overdue now.
var kinds = []finding{
	{"fire", "fire.group_rental", "venue", "2018-06-01 00:00:00.000Z", false},
	{"fire", "fire.group_rental", "venue", "2099-06-01 00:00:00.000Z", false},
	{"dust", "dust.washing", "siteplace", "2018-06-01 00:00:00.000Z", false},
	{"tutoring", "tutoring.exam_cramming", "centreplace", "", false},
	{"tutoring", "tutoring.exam_cramming", "centreplace", "2018-06-01 00:00:00.000Z", true},
}

// write saves rounds×kinds findings into d, alternating its two subdistricts, and returns
// their ids and what they add to d's figures per programme.
func write(t *testing.T, d district, rounds int) ([]string, map[string]cityview.Counts) {
	t.Helper()
	var ids []string
	added := map[string]cityview.Counts{}
	for r := range rounds {
		for k, f := range kinds {
			side := []string{"a", "b"}[(r+k)%2]
			sd := map[string]string{"a": testkit.SubdistrictA, "b": testkit.SubdistrictB}[side]
			id := testkit.RID(d.name[:2], r*len(kinds)+k)
			data := map[string]any{"programme": f.programme, "place": testkit.Side(f.place, side),
				"subdistrict": sd, "category": f.category, "severity": "general", "status": "open",
				"description": "城市视图测试 " + d.name, "deadline": f.deadline, "voided": f.voided}
			testkit.Save(t, d.srv.App, schema.Findings, id, data)
			ids = append(ids, id)
			if f.voided {
				continue // a voided finding is no finding
			}
			c := added[f.programme]
			c.Found++
			c.Open++
			if f.deadline != "" && f.deadline < "2026" {
				c.Overdue++
			}
			added[f.programme] = c
		}
	}
	return ids, added
}

// TestCity_TotalsAreTheSumOfTheDistrictsAPIFigures simulates a city of two districts, each its
// own server on its own data dir, and the city view reading both through their API with the
// city's token of each. Each district's figures move by exactly what was written into it and
// by nothing written into the other; the city totals are the sum of what the districts
// answered; every district's answer agrees with its own database; and no record written in
// one district exists in the other.
func TestCity_TotalsAreTheSumOfTheDistrictsAPIFigures(t *testing.T) {
	haidian := district{"haidian", testkit.Serve(t, testkit.NewApp(t))}
	chaoyang := district{"chaoyang", testkit.Serve(t, testkit.NewApp(t))}
	city := []cityview.District{haidian.reach(), chaoyang.reach()}
	read := func() *cityview.City {
		t.Helper()
		c, err := cityview.Read(t.Context(), http.DefaultClient, city)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	before := read()
	hdIDs, hdAdded := write(t, haidian, 3)
	mid := read()
	checkMoved(t, "haidian", before, mid, hdAdded)
	checkMoved(t, "chaoyang", before, mid, nil)
	cyIDs, cyAdded := write(t, chaoyang, 2)
	after := read()
	checkMoved(t, "haidian", mid, after, nil)
	checkMoved(t, "chaoyang", mid, after, cyAdded)

	for _, c := range []*cityview.City{before, mid, after} {
		checkTotals(t, c)
	}
	for _, d := range []district{haidian, chaoyang} {
		checkAgainstDatabase(t, d, after.Districts[d.name])
	}
	for _, x := range []struct {
		ids   []string
		other district
	}{{hdIDs, chaoyang}, {cyIDs, haidian}} {
		for _, id := range x.ids {
			if _, err := x.other.srv.App.FindRecordById(schema.Findings, id); err == nil {
				t.Errorf("finding %s of another district is in %s", id, x.other.name)
			}
		}
	}
}

// checkMoved requires d's figures to have moved from a to b by exactly added, programme by
// programme.
func checkMoved(t *testing.T, d string, a, b *cityview.City, added map[string]cityview.Counts) {
	t.Helper()
	for _, p := range []string{"fire", "smoke_alarm", "tutoring", "dust"} {
		from, to, want := a.Districts[d][p], b.Districts[d][p], added[p]
		got := cityview.Counts{Found: to.Found - from.Found, Open: to.Open - from.Open, Overdue: to.Overdue - from.Overdue,
			SupervisedOpen: to.SupervisedOpen - from.SupervisedOpen, Closed: to.Closed - from.Closed}
		if got != want {
			t.Errorf("%s %s moved by %+v, want %+v", d, p, got, want)
		}
	}
}

// checkTotals requires the city's total of every programme to be the sum of its districts'.
func checkTotals(t *testing.T, c *cityview.City) {
	t.Helper()
	sums := map[string]cityview.Counts{}
	for _, progs := range c.Districts {
		for p, n := range progs {
			s := sums[p]
			s.Add(n)
			sums[p] = s
		}
	}
	if !maps.Equal(sums, c.Total) {
		t.Errorf("city total %+v, sum of the districts %+v", c.Total, sums)
	}
	if c.Total["fire"].Found == 0 {
		t.Error("no fire finding counted: the test compared nothing")
	}
}

// checkAgainstDatabase counts d's findings in its own database, as the district's own records
// say, and requires the figures the city read to agree.
func checkAgainstDatabase(t *testing.T, d district, read map[string]cityview.Counts) {
	t.Helper()
	var rows []struct {
		Programme string `db:"programme"`
		Found     int    `db:"found"`
		Open      int    `db:"open"`
	}
	err := d.srv.App.DB().NewQuery(`SELECT programme, COUNT(*) AS found, SUM(status != 'closed') AS open
		FROM findings WHERE voided = FALSE GROUP BY programme`).All(&rows)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 3 {
		t.Fatalf("%s: findings of %d programmes, want at least 3", d.name, len(rows))
	}
	for _, r := range rows {
		if got := read[r.Programme]; got.Found != r.Found || got.Open != r.Open {
			t.Errorf("%s %s: the city read %d found, %d open; the database holds %d, %d", d.name, r.Programme,
				got.Found, got.Open, r.Found, r.Open)
		}
	}
}

// TestCity_TokenReadsOneDistrictsFiguresAndNothingElse attacks the city's token: it opens its
// own district's figures only, no other route, and the figures hold counts and nothing else.
func TestCity_TokenReadsOneDistrictsFiguresAndNothingElse(t *testing.T) {
	a := testkit.Serve(t, testkit.NewApp(t))
	b := testkit.Serve(t, testkit.NewApp(t))
	tokA := "Bearer " + tokenOf(a.App)

	// Another district's token, none, a staff member's sign-in: refused with the code.
	for _, c := range []struct {
		who, auth string
		status    int
	}{
		{"district b's token", "Bearer " + tokenOf(b.App), 401},
		{"no token", "", 401},
		{"a token as a user's", tokenOf(a.App), 401},
		{"an inspector", a.Token("users", testkit.InspectorA), 403},
		{"a supervisor", a.Token("users", testkit.SupervisorA), 403},
	} {
		res := a.Do("GET", cityview.FiguresPath, c.auth, nil)
		if res.Status != c.status || res.JSON(t)["code"] != "city_unauthorized" {
			t.Errorf("%s: %d %s, want %d city_unauthorized", c.who, res.Status, res.Body, c.status)
		}
	}
	if res := a.Do("GET", cityview.FiguresPath, a.Token("_superusers", testkit.Superuser), nil); res.Status != 200 {
		t.Errorf("district administrator: %d %s", res.Status, res.Body)
	}

	// The token is no account: every other door treats it as nobody.
	for _, path := range []string{"/api/collections/findings/records", "/api/collections/households/records",
		"/api/fs/rectify/figures", "/metrics", "/api/collections/users/records"} {
		res := a.Do("GET", path, tokA, nil)
		if res.Status == 200 {
			var list struct{ Items []any }
			if json.Unmarshal(res.Body, &list) != nil || len(list.Items) > 0 {
				t.Errorf("%s with the city token: %d %s", path, res.Status, res.Body)
			}
		}
	}

	// Counts per subdistrict and nothing else (no record, no name, no person).
	res := a.Do("GET", cityview.FiguresPath, tokA, nil)
	var figs struct {
		Programmes map[string][]map[string]any `json:"programmes"`
	}
	if res.Status != 200 || json.Unmarshal(res.Body, &figs) != nil {
		t.Fatalf("figures: %d %s", res.Status, res.Body)
	}
	// Counts, and the two shares of the fire plan's targets derived from them (line 3450).
	allowed := []string{"closed", "closed_late", "closed_on_time", "found", "general_closed", "general_found",
		"general_rectified_share", "listing_proposed", "major_closed", "major_found", "major_listed",
		"major_listed_district", "major_listed_share", "major_listed_subdistrict", "open", "overdue", "regional",
		"subdistrict", "supervised_open"}
	rows := 0
	for p, list := range figs.Programmes {
		for _, row := range list {
			rows++
			if keys := slices.Sorted(maps.Keys(row)); !slices.Equal(keys, allowed) {
				t.Errorf("%s: a row has %v, want only %v", p, keys, allowed)
			}
			var sd struct{ ID string }
			if err := a.App.DB().Select("id").From(schema.Subdistricts).Where(dbx.HashExp{"id": row["subdistrict"]}).One(&sd); err != nil {
				t.Errorf("%s: %v is no subdistrict", p, row["subdistrict"])
			}
		}
	}
	if rows == 0 {
		t.Fatal("no figures row: the test checked nothing")
	}
}

// TestCity_ReadFailsWithoutEveryDistrict: a city total missing a district would look like a
// good month, so one district unreachable, refusing the token or named twice fails the reading.
func TestCity_ReadFailsWithoutEveryDistrict(t *testing.T) {
	good := district{"haidian", testkit.Serve(t, testkit.NewApp(t))}.reach()
	down := cityview.District{Name: "chaoyang", URL: "http://127.0.0.1:1", Token: good.Token}
	refused := cityview.District{Name: "xicheng", URL: good.URL, Token: "not-the-token-of-this-district-0123456789"}
	for _, c := range []struct {
		name string
		city []cityview.District
		want string
	}{
		{"unreachable", []cityview.District{good, down}, "district chaoyang"},
		{"token refused", []cityview.District{good, refused}, `status 401, code "city_unauthorized"`},
		{"named twice", []cityview.District{good, good}, "named twice"},
	} {
		city, err := cityview.Read(t.Context(), http.DefaultClient, c.city)
		if err == nil || !strings.Contains(err.Error(), c.want) || city != nil {
			t.Errorf("%s: %v, %v; want an error with %q and no city", c.name, city, err, c.want)
		}
	}
	if _, err := cityview.Read(t.Context(), http.DefaultClient, []cityview.District{good}); err != nil {
		t.Errorf("the good district alone: %v", err)
	}
}
