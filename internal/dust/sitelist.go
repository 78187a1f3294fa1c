package dust

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/localsetting"
	"github.com/haidian/fieldsync/internal/refdata"
	"github.com/haidian/fieldsync/internal/schema"
)

// The quarterly site list (gazette line 3739: "各街镇，每季度向区环保局报送施工工地名单"):
//
//	POST site-lists {"quarter": "2018-Q2", "subdistrict": id}   a supervisor sends the list
//	GET  site-lists?quarter=2018-Q2                             who has sent theirs
//
// Sending copies the subdistrict's live construction sites that work during the quarter (begun
// by its end, not ended before its start; a site without an end date is still working; one
// without a start date counts by the district's local choice, localsetting.SiteListCountsUndatedSites)
// into the list record,
// with who sent it and when; sending again in the same quarter replaces the copy. The
// environment bureau reads every subdistrict's lists, field staff their own; the lists
// themselves are records (dust_site_lists) that REST shows them alike.

// SiteEntry is one site as a list carries it.
type SiteEntry struct {
	Site       string  `json:"site"`
	Name       string  `json:"name"`
	Address    string  `json:"address"`
	PermitNo   string  `json:"permit_no"`
	Developer  string  `json:"developer"`
	Contractor string  `json:"contractor"`
	Stage      string  `json:"stage"`
	AreaM2     float64 `json:"area_m2"`
	StartsOn   string  `json:"starts_on"`
	EndsOn     string  `json:"ends_on"`
}

// SiteListState is whether a subdistrict has sent its list of a quarter.
type SiteListState struct {
	Subdistrict string `json:"subdistrict"`
	NameZH      string `json:"name_zh"`
	Sent        bool   `json:"sent"`
	SiteCount   int    `json:"site_count"`
	SentAt      string `json:"sent_at"`
}

var (
	quarterRE       = regexp.MustCompile(`^(20[0-9]{2})-Q([1-4])$`)
	errBadQuarter   = fault.New(fault.Invalid, "bad_quarter", "季度无效，格式为 2018-Q2", "quarter must be a quarter such as 2018-Q2")
	errSendSiteList = fault.New(fault.Permission, "site_list_forbidden",
		"只有本街镇主管可以报送施工工地名单", "only a supervisor of the subdistrict may send its site list")
)

// quarterBounds returns the UTC bounds of a Beijing quarter ("2018-Q2") as PocketBase stores dates.
func quarterBounds(quarter string) (start, end string, err error) {
	m := quarterRE.FindStringSubmatch(quarter)
	if m == nil {
		return "", "", errBadQuarter
	}
	var year, q int
	fmt.Sscan(m[1], &year)
	fmt.Sscan(m[2], &q)
	t := time.Date(year, time.Month(3*q-2), 1, 0, 0, 0, 0, Beijing)
	f := "2006-01-02 15:04:05.000Z"
	return t.UTC().Format(f), t.AddDate(0, 3, 0).UTC().Format(f), nil
}

// SitesOfQuarter lists the live construction sites of subdistrict sd that work during quarter.
func SitesOfQuarter(app core.App, sd, quarter string) ([]SiteEntry, error) {
	start, end, err := quarterBounds(quarter)
	if err != nil {
		return nil, err
	}
	out := []SiteEntry{}
	err = app.DB().Select("s.id AS site", "p.name AS name", "p.address AS address",
		"COALESCE(s.permit_no, '') AS permit_no", "COALESCE(s.developer, '') AS developer",
		"COALESCE(s.contractor, '') AS contractor", "COALESCE(s.stage, '') AS stage",
		"COALESCE(s.area_m2, 0) AS area_m2", "COALESCE(s.starts_on, '') AS starts_on", "COALESCE(s.ends_on, '') AS ends_on").
		From(schema.Sites+" s").InnerJoin(schema.Places+" p", dbx.NewExp("p.id = s.place")).
		Where(dbx.HashExp{"s.subdistrict": sd, "s.voided": false, "p.voided": false}).
		AndWhere(dbx.NewExp("(CASE WHEN COALESCE(s.starts_on, '') = '' THEN {:undated} ELSE s.starts_on < {:end} END) AND (COALESCE(s.ends_on, '') = '' OR s.ends_on >= {:start})",
			dbx.Params{"start": start, "end": end, "undated": localsetting.Bool(app, localsetting.SiteListCountsUndatedSites)})).
		OrderBy("p.name", "s.id").All(&out)
	return out, err
}

// sendSiteList records the list of sd for quarter as sent by actor now.
func sendSiteList(app core.App, actor access.Actor, sd, quarter string) (*core.Record, error) {
	sites, err := SitesOfQuarter(app, sd, quarter)
	if err != nil {
		return nil, err
	}
	r, err := app.FindFirstRecordByFilter(schema.SiteLists, "subdistrict = {:sd} && quarter = {:q}", dbx.Params{"sd": sd, "q": quarter})
	if err != nil {
		c, cerr := app.FindCollectionByNameOrId(schema.SiteLists)
		if cerr != nil {
			return nil, cerr
		}
		r = core.NewRecord(c)
		r.Load(map[string]any{"subdistrict": sd, "quarter": quarter})
	}
	r.Load(map[string]any{"sites": sites, "site_count": len(sites), "submitted_by": actor.ID, "submitted_at": types.NowDateTime()})
	access.Attribute(r, access.Attribution{Actor: actor, Door: access.DoorREST, Trusted: true})
	return r, app.Save(r)
}

func handleSendSiteList(e *core.RequestEvent) error {
	var body struct {
		Quarter     string `json:"quarter"`
		Subdistrict string `json:"subdistrict"`
	}
	if err := e.BindBody(&body); err != nil {
		return writeError(e, errBadQuarter)
	}
	a := access.ActorFromAuth(e.Auth)
	if !a.IsStaff() || a.Role != access.Supervisor || !a.InSubdistrict(body.Subdistrict) {
		return writeError(e, errSendSiteList)
	}
	if !quarterRE.MatchString(body.Quarter) {
		return writeError(e, errBadQuarter)
	}
	r, err := sendSiteList(e.App, a, body.Subdistrict, body.Quarter)
	if err != nil {
		return writeError(e, err)
	}
	return e.JSON(http.StatusOK, map[string]any{"id": r.Id, "subdistrict": body.Subdistrict, "quarter": body.Quarter,
		"site_count": r.GetInt("site_count"), "sent_at": r.GetDateTime("submitted_at").String()})
}

func handleSiteLists(e *core.RequestEvent) error {
	sees, err := landViewer(e)
	if err != nil {
		return writeError(e, err)
	}
	quarter := e.Request.URL.Query().Get("quarter")
	if !quarterRE.MatchString(quarter) {
		return writeError(e, errBadQuarter)
	}
	lists, err := e.App.FindAllRecords(schema.SiteLists, dbx.HashExp{"quarter": quarter})
	if err != nil {
		return writeError(e, err)
	}
	out := []SiteListState{}
	for _, sd := range refdata.Subdistricts() {
		if !sees(sd.ID) {
			continue
		}
		st := SiteListState{Subdistrict: sd.ID, NameZH: sd.NameZH}
		if i := slices.IndexFunc(lists, func(r *core.Record) bool { return r.GetString("subdistrict") == sd.ID }); i >= 0 {
			st.Sent, st.SiteCount, st.SentAt = true, lists[i].GetInt("site_count"), lists[i].GetDateTime("submitted_at").String()
		}
		out = append(out, st)
	}
	return e.JSON(http.StatusOK, map[string]any{"quarter": quarter, "subdistricts": out})
}
