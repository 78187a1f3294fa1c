package reports

import (
	"encoding/xml"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/vocab"
)

// Reading requests.

// o311Request is a request as the standard has it. Fields the standard names but this server
// does not publish stay empty.
type o311Request struct {
	XMLName           xml.Name `json:"-" xml:"request"`
	ID                string   `json:"service_request_id" xml:"service_request_id"`
	Status            string   `json:"status" xml:"status"`
	StatusNotes       string   `json:"status_notes" xml:"status_notes"`
	ServiceName       string   `json:"service_name" xml:"service_name"`
	ServiceCode       string   `json:"service_code" xml:"service_code"`
	Description       string   `json:"description" xml:"description"`
	AgencyResponsible string   `json:"agency_responsible" xml:"agency_responsible"`
	ServiceNotice     string   `json:"service_notice" xml:"service_notice"`
	Requested         string   `json:"requested_datetime" xml:"requested_datetime"`
	Updated           string   `json:"updated_datetime" xml:"updated_datetime"`
	Expected          string   `json:"expected_datetime" xml:"expected_datetime"`
	Address           string   `json:"address" xml:"address"`
	AddressID         string   `json:"address_id" xml:"address_id"`
	Zipcode           string   `json:"zipcode" xml:"zipcode"`
	Lat               *float64 `json:"lat" xml:"lat,omitempty"`
	Long              *float64 `json:"long" xml:"long,omitempty"`
	MediaURL          string   `json:"media_url" xml:"media_url"`
}

type o311Requests struct {
	XMLName  xml.Name      `xml:"service_requests"`
	Requests []o311Request `xml:"request"`
}

func (l o311Requests) list() any { return l.Requests }

func round3(v float64) *float64 {
	r := math.Round(v*1000) / 1000
	return &r
}

// publish renders report r for the public: of where it is, a public place's name and address
// and the point rounded to about 100 m (whereaboutsOf), never the reporter's free address.
func (s *Service) publish(e *core.RequestEvent, r *core.Record) (o311Request, error) {
	where, err := whereaboutsOf(e.App, r)
	if err != nil {
		return o311Request{}, err
	}
	c := caseOf(e.App, r)
	status := c.GetString(schema.FieldStatus)
	st, _ := vocab.ReportStatus.Label(status)
	cat, _ := vocab.ReportCategory.Label(r.GetString("category"))
	out := o311Request{ID: r.GetString("tracking_no"), Status: "open", ServiceCode: cat.Value, ServiceName: pick(e, cat),
		StatusNotes: pick(e, st) + notes(e, outcomeOf(e.App, c)),
		Requested:   w3c(r.GetDateTime("created")), Updated: w3c(c.GetDateTime("updated")),
		ServiceNotice: pick(e, vocab.Term{ZH: "凭回执可查看处理详情", EN: "The reporter follows the details with their receipt"})}
	switch status {
	case "fixed", "closed", "rejected":
		out.Status = "closed"
	}
	if r != c {
		out.StatusNotes = pick(e, vocab.Term{ZH: "已并入举报 ", EN: "Joined to request "}) + c.GetString("tracking_no") + "; " + out.StatusNotes
	}
	if sd, err := e.App.FindRecordById(schema.Subdistricts, r.GetString(schema.FieldSubdistrict)); err == nil {
		out.AgencyResponsible = pick(e, vocab.Term{ZH: sd.GetString("name_zh"), EN: sd.GetString("name_en")})
	}
	if f, err := e.App.FindRecordById(schema.Findings, c.GetString("finding")); err == nil && !f.GetDateTime("deadline").IsZero() &&
		!f.GetDateTime("ordered_at").IsZero() {
		out.Expected = w3c(f.GetDateTime("deadline"))
	}
	if p := where.place; p != nil {
		out.Address, out.AddressID = p.Name+", "+p.Address, p.ID
	}
	if g := where.point; g != nil {
		out.Lat, out.Long = round3(g.Lat), round3(g.Lon)
	}
	return out, nil
}

// notes writes an outcome as a short public note: dates and results, no names.
func notes(e *core.RequestEvent, o Outcome) string {
	var parts []string
	add := func(zh, en string) { parts = append(parts, pick(e, vocab.Term{ZH: zh, EN: en})) }
	if o.InspectedOn != "" {
		add("核查日期 "+o.InspectedOn, "inspected on "+o.InspectedOn)
	}
	if o.ViolationFound != nil {
		if *o.ViolationFound {
			add("发现问题", "violation found")
		} else {
			add("未发现问题", "no violation found")
		}
	}
	if o.FixBy != "" {
		add("责令 "+o.FixBy+" 前整改", "ordered to fix by "+o.FixBy)
	}
	if o.ReinspectedOn != "" {
		add("复查日期 "+o.ReinspectedOn, "re-inspected on "+o.ReinspectedOn)
	}
	if o.FixedOn != "" {
		add("整改完成 "+o.FixedOn, "fixed on "+o.FixedOn)
	}
	if len(parts) == 0 {
		return ""
	}
	return "; " + strings.Join(parts, "; ")
}

func w3c(d types.DateTime) string {
	if d.IsZero() {
		return ""
	}
	return d.Time().In(beijing).Format(time.RFC3339)
}

// maxResults is the most requests one query returns; without dates or ids a query covers the
// last 90 days, as the standard suggests.
const (
	maxResults    = 1000
	defaultWindow = 90 * 24 * time.Hour
)

// o311Query answers GET requests. Ids, when given, override every other argument, as the
// standard says.
func (s *Service) o311Query(e *core.RequestEvent, format string) error {
	q := e.Request.URL.Query()
	where := []dbx.Expression{dbx.HashExp{"voided": false}}
	if ids := splitList(q.Get("service_request_id")); len(ids) > 0 {
		where = append(where, dbx.In("tracking_no", anys(ids)...))
	} else {
		more, problem := s.o311Filters(q)
		if problem != "" {
			return o311Fail(e, format, http.StatusBadRequest, problem)
		}
		where = append(where, more...)
	}
	var recs []*core.Record
	err := e.App.RecordQuery(schema.Reports).AndWhere(dbx.And(where...)).OrderBy("created DESC").
		Limit(maxResults).All(&recs)
	if err != nil {
		return o311Internal(e, format, err)
	}
	out := o311Requests{Requests: []o311Request{}}
	for _, r := range recs {
		req, err := s.publish(e, r)
		if err != nil {
			return o311Internal(e, format, err)
		}
		out.Requests = append(out.Requests, req)
	}
	return o311Write(e, format, http.StatusOK, out)
}

// o311Filters reads service_code, start_date, end_date (the last 90 days by default) and
// status, or says what is wrong with them.
func (s *Service) o311Filters(q url.Values) ([]dbx.Expression, string) {
	var where []dbx.Expression
	if codes := splitList(q.Get("service_code")); len(codes) > 0 {
		for _, c := range codes {
			if !vocab.ReportCategory.Has(c) {
				return nil, "service_code not found: " + c
			}
		}
		where = append(where, dbx.In("category", anys(codes)...))
	}
	start, end := s.cfg.Now().Add(-defaultWindow), s.cfg.Now().Add(time.Minute)
	for name, dst := range map[string]*time.Time{"start_date": &start, "end_date": &end} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return nil, name + " must be a W3C date-time such as 2018-06-01T00:00:00+08:00"
			}
			*dst = t
		}
	}
	if end.Before(start) {
		return nil, "end_date is before start_date"
	}
	where = append(where, dbx.NewExp("created >= {:start} AND created <= {:end}",
		dbx.Params{"start": dbTime(start), "end": dbTime(end)}))
	switch status := q.Get("status"); status {
	case "":
		return where, ""
	case "open", "closed":
		// The status is the case's: a duplicate shows the status of the report it joined. It
		// is filtered in the query, so the 1,000 newest are the newest of that status.
		closed := dbx.NewExp(`(CASE WHEN duplicate_of != '' THEN COALESCE(
			(SELECT c.status FROM public_reports c WHERE c.id = public_reports.duplicate_of), status)
			ELSE status END) IN ('fixed', 'closed', 'rejected')`)
		if status == "open" {
			closed = dbx.Not(closed)
		}
		return append(where, closed), ""
	}
	return nil, "status must be open or closed"
}

func dbTime(t time.Time) string {
	d, _ := types.ParseDateTime(t.UTC())
	return d.String()
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func (s *Service) o311Request(e *core.RequestEvent) error {
	id, format, ok := split(e.Request.PathValue("file"))
	if !ok {
		return o311Fail(e, "json", http.StatusNotFound, "unknown format: use .json or .xml")
	}
	if err := s.checkJurisdiction(e, format, e.Request.URL.Query().Get); err != nil || e.Written() {
		return err
	}
	r, err := e.App.FindFirstRecordByFilter(schema.Reports, "tracking_no = {:t} && voided = false", dbx.Params{"t": id})
	if err != nil {
		return o311Fail(e, format, http.StatusNotFound, "service_request_id not found: "+id)
	}
	req, err := s.publish(e, r)
	if err != nil {
		return o311Internal(e, format, err)
	}
	return o311Write(e, format, http.StatusOK, o311Requests{Requests: []o311Request{req}})
}

// A token is the report's record id: the request exists as soon as it is created, so the
// token and the id are both in the answer to the POST; the endpoint serves clients that
// keep tokens.

type o311TokenAnswer struct {
	XMLName xml.Name `json:"-" xml:"request"`
	ID      string   `json:"service_request_id" xml:"service_request_id"`
	Token   string   `json:"token" xml:"token"`
}

type o311Tokens struct {
	XMLName xml.Name          `xml:"service_requests"`
	Tokens  []o311TokenAnswer `xml:"request"`
}

func (l o311Tokens) list() any { return l.Tokens }

func (s *Service) o311Token(e *core.RequestEvent) error {
	tok, format, ok := split(e.Request.PathValue("file"))
	if !ok {
		return o311Fail(e, "json", http.StatusNotFound, "unknown format: use .json or .xml")
	}
	if err := s.checkJurisdiction(e, format, e.Request.URL.Query().Get); err != nil || e.Written() {
		return err
	}
	r, err := e.App.FindRecordById(schema.Reports, tok)
	if err != nil || r.GetBool("voided") {
		return o311Fail(e, format, http.StatusNotFound, "token not found: "+tok)
	}
	return o311Write(e, format, http.StatusOK, o311Tokens{Tokens: []o311TokenAnswer{{ID: r.GetString("tracking_no"), Token: r.Id}}})
}
