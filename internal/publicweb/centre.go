package publicweb

import (
	bj "github.com/haidian/fieldsync/internal/beijing"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/publicurl"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/tutoring"
	"github.com/haidian/fieldsync/internal/vocab"
)

var beijing = bj.Zone

// handleCentre is the page a centre's QR code opens. An unknown or voided centre gets a page
// that says so (404) and leads to the search.
func (s *Site) handleCentre(e *core.RequestEvent) error {
	lang := langOf(e)
	l, err := tutoring.FindLookup(e.App, e.Request.PathValue("id"))
	if fe, ok := fault.As(err); ok && fe.Kind == fault.NotExist {
		return s.render(e, http.StatusNotFound, "unknown", map[string]any{"Title": tr(lang, "centre.unknown")})
	}
	if err != nil {
		return s.errorPage(e, err)
	}
	e.Response.Header().Set("Cache-Control", "public, max-age=300")
	return s.render(e, http.StatusOK, "centre", map[string]any{
		"Title": l.Name, "C": l,
		"ListWhy":   explanation(lang, "list", l.List),
		"StatusWhy": explanation(lang, "status", l.Status),
		"AsOf":      lastUpdated(e.App, l.ID),
	})
}

// lastUpdated is the day a centre's published facts last changed: the latest change of the
// centre, its premises or its classes. Only a date: when a record changed is no one's data.
func lastUpdated(app core.App, id string) string {
	var at string
	err := app.DB().NewQuery(`
		SELECT MAX(c.updated, p.updated, COALESCE((SELECT MAX(k.updated) FROM centre_classes k WHERE k.centre = c.id), ''))
		FROM tutoring_centres c JOIN places p ON p.id = c.place WHERE c.id = {:id}`).Bind(dbx.Params{"id": id}).Row(&at)
	t, perr := types.ParseDateTime(at)
	if err != nil || perr != nil || t.IsZero() {
		return ""
	}
	return t.Time().In(beijing).Format(time.DateOnly)
}

// found is one centre of a search, as public_centres publishes it.
type found struct {
	ID      string
	Path    string
	Area    string
	Name    string
	Address string
	List    vocab.Term
	Status  vocab.Term
}

// maxResults is how many centres a search lists; more asks the parent to narrow it.
const maxResults = 30

// handleSearch finds live centres by name or address in public_centres, the view anyone may
// list, so a search shows nothing the public API would not.
func (s *Site) handleSearch(e *core.RequestEvent) error {
	lang := langOf(e)
	q := strings.TrimSpace(e.Request.URL.Query().Get("q"))
	area := e.Request.URL.Query().Get("area")
	subs, err := subdistrictTerms(e.App)
	if err != nil {
		return s.errorPage(e, err)
	}
	data := map[string]any{"Q": q, "Area": area, "Subdistricts": subs}
	if q == "" && area == "" {
		return s.render(e, http.StatusOK, "search", data)
	}
	errs := map[string]string{}
	if n := utf8.RuneCountInString(q); q != "" && (n < 2 || n > 60) {
		errs["q"] = pick(lang, fieldWords["q"])
	}
	names := map[string]string{}
	for _, sd := range subs {
		names[sd.Value] = pick(lang, [2]string{sd.ZH, sd.EN})
	}
	if _, ok := names[area]; area != "" && !ok {
		errs["area"] = pick(lang, fieldWords["area"])
	}
	if len(errs) > 0 {
		data["Errors"] = errs
		return s.render(e, http.StatusBadRequest, "search", data)
	}
	where := dbx.And()
	if q != "" {
		where = dbx.And(where, dbx.Or(dbx.Like("name", q), dbx.Like("address", q)))
	}
	if area != "" {
		where = dbx.And(where, dbx.HashExp{"subdistrict": area})
	}
	var rows []struct {
		ID          string `db:"id"`
		Name        string `db:"name"`
		Address     string `db:"address"`
		Subdistrict string `db:"subdistrict"`
		List        string `db:"list_status"`
		Status      string `db:"status"`
	}
	err = e.App.DB().Select("id", "name", "address", "subdistrict", "list_status", "status").From(schema.PublicCentres).
		Where(where).OrderBy("name", "id").Limit(maxResults + 1).All(&rows)
	if err != nil {
		return s.errorPage(e, err)
	}
	if len(rows) > maxResults {
		rows, data["More"] = rows[:maxResults], true
	}
	out := make([]found, 0, len(rows))
	for _, r := range rows {
		ls, _ := vocab.ListStatus.Label(r.List)
		st, _ := vocab.CentreStatus.Label(r.Status)
		out = append(out, found{ID: r.ID, Path: publicurl.CentrePath(r.ID), Name: r.Name, Address: r.Address,
			Area: names[r.Subdistrict], List: ls, Status: st})
	}
	data["Results"], data["Searched"] = out, true
	return s.render(e, http.StatusOK, "search", data)
}
