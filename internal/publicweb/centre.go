package publicweb

import (
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

var beijing = time.FixedZone("CST", 8*3600)

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
	Path    string
	Name    string
	Address string
	List    vocab.Term
	Status  vocab.Term
}

// handleSearch finds live centres by name or address in public_centres, the view anyone may
// list, so a search shows nothing the public API would not.
func (s *Site) handleSearch(e *core.RequestEvent) error {
	lang := langOf(e)
	q := strings.TrimSpace(e.Request.URL.Query().Get("q"))
	data := map[string]any{"Q": q}
	if q == "" {
		return s.render(e, http.StatusOK, "search", data)
	}
	if n := utf8.RuneCountInString(q); n < 2 || n > 60 {
		data["Errors"] = map[string]string{"q": pick(lang, fieldWords["q"])}
		return s.render(e, http.StatusBadRequest, "search", data)
	}
	like := dbx.Or(dbx.Like("name", q), dbx.Like("address", q))
	var rows []struct {
		ID      string `db:"id"`
		Name    string `db:"name"`
		Address string `db:"address"`
		List    string `db:"list_status"`
		Status  string `db:"status"`
	}
	err := e.App.DB().Select("id", "name", "address", "list_status", "status").From(schema.PublicCentres).
		Where(like).OrderBy("name", "id").Limit(30).All(&rows)
	if err != nil {
		return s.errorPage(e, err)
	}
	out := make([]found, 0, len(rows))
	for _, r := range rows {
		ls, _ := vocab.ListStatus.Label(r.List)
		st, _ := vocab.CentreStatus.Label(r.Status)
		out = append(out, found{Path: publicurl.CentrePath(r.ID), Name: r.Name, Address: r.Address, List: ls, Status: st})
	}
	data["Results"], data["Searched"] = out, true
	return s.render(e, http.StatusOK, "search", data)
}
