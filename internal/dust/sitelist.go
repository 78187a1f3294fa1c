package dust

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

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
// into the list record, with who sent it and when; sending again in the same quarter replaces
// the copy.
//
// The departments of the same line (区住房城乡建设委, 区城管委（交通委）, 区水务局, 区园林绿化局) send
// the sites of their own trades, which fieldsync does not hold: their staff send the list itself
//
//	POST site-lists {"quarter": "2018-Q2", "agency": id, "sites": [{"name": …, "subdistrict": …}, …]}
//
// and sending again replaces it too. The environment bureau reads every subdistrict's and every
// department's lists side by side, field staff their subdistricts', a department's staff its
// own; the lists themselves are records (dust_site_lists) that REST shows them alike.

// SiteEntry is one site as a list carries it. A subdistrict's entries copy its site records
// (Site is the record's id); a department's are as it sent them, with the subdistrict the site
// lies in when it says so.
type SiteEntry struct {
	Site        string  `json:"site,omitempty"`
	Subdistrict string  `json:"subdistrict,omitempty"`
	Name        string  `json:"name"`
	Address     string  `json:"address"`
	PermitNo    string  `json:"permit_no"`
	Developer   string  `json:"developer"`
	Contractor  string  `json:"contractor"`
	Stage       string  `json:"stage"`
	AreaM2      float64 `json:"area_m2"`
	StartsOn    string  `json:"starts_on"`
	EndsOn      string  `json:"ends_on"`
}

// SiteListState is whether a subdistrict (or a department: Agency) has sent its list of a quarter.
type SiteListState struct {
	Subdistrict string `json:"subdistrict,omitempty"`
	Agency      string `json:"agency,omitempty"`
	NameZH      string `json:"name_zh"`
	Sent        bool   `json:"sent"`
	SiteCount   int    `json:"site_count"`
	SentAt      string `json:"sent_at"`
}

var (
	quarterRE       = regexp.MustCompile(`^(20[0-9]{2})-Q([1-4])$`)
	errBadQuarter   = fault.New(fault.Invalid, "bad_quarter", "季度无效，格式为 2018-Q2", "quarter must be a quarter such as 2018-Q2")
	errSendSiteList = fault.New(fault.Permission, "site_list_forbidden",
		"只有本街镇主管或本部门工作人员可以报送施工工地名单",
		"only a supervisor of the subdistrict, or the department's staff, may send its site list")
	errReadSiteLists = fault.New(fault.Permission, "site_list_forbidden",
		"只有街镇工作人员、报送部门、区环保局和区级管理员可以查看施工工地名单",
		"only subdistrict staff, the sending departments, the environment bureau and district administrators read site lists")
	errBadSiteList = fault.New(fault.Invalid, "site_list_invalid",
		"工地名单无效：每个工地须有名称（200字以内），所在街镇须为本区街镇，日期格式为 2018-04-01，至多 1000 个工地（共 2 MB 以内）",
		"invalid site list: each site needs a name (at most 200 characters), a Haidian subdistrict if any, dates such as 2018-04-01; at most 1000 sites (2 MB in all)")
)

// SiteListDepartments are the codes of the departments that send their own quarterly lists
// (gazette line 3739: "区住房城乡建设委、区城管委（交通委）、区水务局、区园林绿化局等部门").
var SiteListDepartments = []string{"housing", "city", "water", "landscape"}

// A department's list is bounded by its number of sites and by what the collection's sites
// field stores (2 MiB of JSON), so that a list too long answers site_list_invalid, not a
// failure of the save.
const (
	maxDepartmentSites = 1000
	maxSitesBytes      = 2 << 20
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

// saveSiteList records the list of sites of a subdistrict (sd) or a department (agency) for
// quarter as sent by actor now, replacing the one sent before in the quarter.
func saveSiteList(app core.App, actor access.Actor, sd, agency, quarter string, sites []SiteEntry) (*core.Record, error) {
	owner := dbx.Params{"subdistrict": sd, "agency": agency, "quarter": quarter}
	r, err := app.FindFirstRecordByFilter(schema.SiteLists, "subdistrict = {:subdistrict} && agency = {:agency} && quarter = {:quarter}", owner)
	if err != nil {
		c, cerr := app.FindCollectionByNameOrId(schema.SiteLists)
		if cerr != nil {
			return nil, cerr
		}
		r = core.NewRecord(c)
		r.Load(owner)
	}
	r.Load(map[string]any{"sites": sites, "site_count": len(sites), "submitted_by": actor.ID, "submitted_at": types.NowDateTime()})
	access.Attribute(r, access.Attribution{Actor: actor, Door: access.DoorREST, Trusted: true})
	return r, app.Save(r)
}

// siteListBody is the body of POST site-lists: a subdistrict names itself, a department itself
// and its sites.
type siteListBody struct {
	Quarter     string      `json:"quarter"`
	Subdistrict string      `json:"subdistrict"`
	Agency      string      `json:"agency"`
	Sites       []SiteEntry `json:"sites"`
}

func handleSendSiteList(e *core.RequestEvent) error {
	var body siteListBody
	if err := e.BindBody(&body); err != nil {
		return writeError(e, errBadSiteList)
	}
	a := access.ActorFromAuth(e.Auth)
	department := body.Agency != ""
	switch {
	case !a.IsStaff():
		return writeError(e, errSendSiteList)
	case department && (body.Subdistrict != "" || a.Agency != body.Agency || !slices.Contains(SiteListDepartments, agencyCode(a.Agency))):
		return writeError(e, errSendSiteList)
	case !department && (a.Role != access.Supervisor || !a.InSubdistrict(body.Subdistrict)):
		return writeError(e, errSendSiteList)
	}
	if !quarterRE.MatchString(body.Quarter) {
		return writeError(e, errBadQuarter)
	}
	sites := body.Sites
	if department {
		if !validDepartmentSites(sites) {
			return writeError(e, errBadSiteList)
		}
	} else {
		var err error
		if sites, err = SitesOfQuarter(e.App, body.Subdistrict, body.Quarter); err != nil {
			return writeError(e, err)
		}
	}
	r, err := saveSiteList(e.App, a, body.Subdistrict, body.Agency, body.Quarter, sites)
	if err != nil {
		return writeError(e, err)
	}
	out := map[string]any{"id": r.Id, "quarter": body.Quarter, "site_count": r.GetInt("site_count"),
		"sent_at": r.GetDateTime("submitted_at").String()}
	if department {
		out["agency"] = body.Agency
	} else {
		out["subdistrict"] = body.Subdistrict
	}
	return e.JSON(http.StatusOK, out)
}

// validDepartmentSites reports whether a department's sites are a list fieldsync can keep: each
// named, in a Haidian subdistrict if it names one, with dates as dates. A subdistrict's own
// entries are copied from its records and need no check.
func validDepartmentSites(sites []SiteEntry) bool {
	if sites == nil || len(sites) > maxDepartmentSites {
		return false
	}
	if encoded, err := json.Marshal(sites); err != nil || len(encoded) > maxSitesBytes {
		return false
	}
	for _, s := range sites {
		if s.Site != "" || strings.TrimSpace(s.Name) == "" || utf8.RuneCountInString(s.Name) > 200 ||
			len(s.Address)+len(s.PermitNo)+len(s.Developer)+len(s.Contractor)+len(s.Stage) > 1000 || s.AreaM2 < 0 {
			return false
		}
		if s.Subdistrict != "" && !slices.ContainsFunc(refdata.Subdistricts(), func(sd refdata.Subdistrict) bool { return sd.ID == s.Subdistrict }) {
			return false
		}
		for _, d := range []string{s.StartsOn, s.EndsOn} {
			if _, err := time.Parse("2006-01-02", d); d != "" && err != nil {
				return false
			}
		}
	}
	return true
}

// agencyCode returns the refdata code of the agency with id, "" if none.
func agencyCode(id string) string {
	for _, ag := range refdata.Agencies() {
		if ag.ID == id {
			return ag.Code
		}
	}
	return ""
}

// siteListViewer decides whose lists the caller reads: the environment bureau and district
// administrators every subdistrict's and department's, field staff their subdistricts', a
// department's staff their department's.
func siteListViewer(e *core.RequestEvent) (seesSubdistrict, seesAgency func(string) bool, err error) {
	a := access.ActorFromAuth(e.Auth)
	none := func(string) bool { return false }
	switch {
	case a.Kind == access.KindSuperuser || (a.IsStaff() && a.Agency != "" && a.Agency == envBureau()):
		all := func(string) bool { return true }
		return all, all, nil
	case a.FieldStaff():
		return func(sd string) bool { return slices.Contains(a.Subdistricts, sd) }, none, nil
	case a.IsStaff() && slices.Contains(SiteListDepartments, agencyCode(a.Agency)):
		return none, func(ag string) bool { return ag == a.Agency }, nil
	}
	return nil, nil, errReadSiteLists
}

func handleSiteLists(e *core.RequestEvent) error {
	seesSubdistrict, seesAgency, err := siteListViewer(e)
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
	state := func(st SiteListState, field, id string) SiteListState {
		if i := slices.IndexFunc(lists, func(r *core.Record) bool { return r.GetString(field) == id }); i >= 0 {
			st.Sent, st.SiteCount, st.SentAt = true, lists[i].GetInt("site_count"), lists[i].GetDateTime("submitted_at").String()
		}
		return st
	}
	subdistricts, departments := []SiteListState{}, []SiteListState{}
	for _, sd := range refdata.Subdistricts() {
		if seesSubdistrict(sd.ID) {
			subdistricts = append(subdistricts, state(SiteListState{Subdistrict: sd.ID, NameZH: sd.NameZH}, "subdistrict", sd.ID))
		}
	}
	for _, ag := range refdata.Agencies() {
		if slices.Contains(SiteListDepartments, ag.Code) && seesAgency(ag.ID) {
			departments = append(departments, state(SiteListState{Agency: ag.ID, NameZH: ag.NameZH}, "agency", ag.ID))
		}
	}
	return e.JSON(http.StatusOK, map[string]any{"quarter": quarter, "subdistricts": subdistricts, "departments": departments})
}
