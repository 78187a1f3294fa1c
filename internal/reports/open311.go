package reports

import (
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/vocab"
)

// Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2) on the same reports, under
// /open311/v2/:
//
//	GET  services.{json,xml}                  the categories
//	GET  services/{service_code}.{json,xml}   a service's definition (its attributes)
//	POST requests.{json,xml}                  create a request (api_key required)
//	GET  requests.{json,xml}                  query requests
//	GET  requests/{service_request_id}.{json,xml}
//	GET  tokens/{token}.{json,xml}            the request id of a token
//	GET  discovery.{json,xml}                 where the endpoint is and what it speaks
//
// Errors are the standard's: [{"code":400,"description":"..."}], or <errors><error>.
// A request is public in Open311; here it shows the category, the status, an outcome note
// without names, the subdistrict, and the point rounded to about 100 m. Descriptions, photos
// and contact details are never published: parents fear retaliation, and a description often
// says who wrote it. A business's address (a tutoring centre, a construction site) is shown.
const open311Prefix = "/open311/v2"

func (s *Service) open311Routes(se *core.ServeEvent) {
	g := se.Router.Group(open311Prefix)
	g.GET("/{file}", s.o311Root)
	g.POST("/{file}", s.o311Create)
	g.GET("/services/{file}", s.o311Definition)
	g.GET("/requests/{file}", s.o311Request)
	g.GET("/tokens/{file}", s.o311Token)
}

// o311Error is one error of the standard's format.
type o311Error struct {
	XMLName     xml.Name `json:"-" xml:"error"`
	Code        int      `json:"code" xml:"code"`
	Description string   `json:"description" xml:"description"`
}

type o311Errors struct {
	XMLName xml.Name    `xml:"errors"`
	Errors  []o311Error `xml:"error"`
}

// split cuts "name.json" into name and format; the format must be json or xml.
func split(file string) (string, string, bool) {
	i := strings.LastIndexByte(file, '.')
	if i <= 0 {
		return "", "", false
	}
	name, format := file[:i], file[i+1:]
	return name, format, format == "json" || format == "xml"
}

// o311Write answers v as JSON, or as XML under root.
func o311Write(e *core.RequestEvent, format string, status int, v any) error {
	e.Response.Header().Set("Cache-Control", "no-store")
	if format == "xml" {
		data, err := xml.Marshal(v)
		if err != nil {
			return err
		}
		return e.Blob(status, "text/xml; charset=utf-8", append([]byte(xml.Header), data...))
	}
	if l, ok := v.(interface{ list() any }); ok {
		v = l.list()
	}
	return e.JSON(status, v)
}

func o311Fail(e *core.RequestEvent, format string, status int, description string) error {
	if format != "xml" {
		format = "json"
	}
	errs := o311Errors{Errors: []o311Error{{Code: status, Description: description}}}
	if format == "json" {
		return o311Write(e, format, status, errs.Errors)
	}
	return o311Write(e, format, status, errs)
}

// checkJurisdiction: a jurisdiction_id, when given, must be this server's.
func (s *Service) checkJurisdiction(e *core.RequestEvent, format string, values func(string) string) error {
	if j := values("jurisdiction_id"); j != "" && j != s.cfg.Jurisdiction {
		return o311Fail(e, format, http.StatusNotFound, "jurisdiction_id not found: "+j)
	}
	return nil
}

func (s *Service) o311Root(e *core.RequestEvent) error {
	name, format, ok := split(e.Request.PathValue("file"))
	if !ok {
		return o311Fail(e, "json", http.StatusNotFound, "unknown endpoint or format: use .json or .xml")
	}
	if err := s.checkJurisdiction(e, format, e.Request.URL.Query().Get); err != nil || e.Written() {
		return err
	}
	switch name {
	case "services":
		return o311Write(e, format, http.StatusOK, s.serviceList(e))
	case "requests":
		return s.o311Query(e, format)
	case "discovery":
		return o311Write(e, format, http.StatusOK, s.discovery(e))
	}
	return o311Fail(e, format, http.StatusNotFound, "unknown endpoint: "+name)
}

// The services: one per report category.

type o311Service struct {
	XMLName     xml.Name `json:"-" xml:"service"`
	Code        string   `json:"service_code" xml:"service_code"`
	Name        string   `json:"service_name" xml:"service_name"`
	Description string   `json:"description" xml:"description"`
	Metadata    bool     `json:"metadata" xml:"metadata"`
	Type        string   `json:"type" xml:"type"`
	Keywords    string   `json:"keywords" xml:"keywords"`
	Group       string   `json:"group" xml:"group"`
}

type o311Services struct {
	XMLName  xml.Name      `xml:"services"`
	Services []o311Service `xml:"service"`
}

func (l o311Services) list() any { return l.Services }

// english reports whether the client asked for English (Accept-Language); Chinese otherwise.
func english(e *core.RequestEvent) bool {
	return strings.HasPrefix(strings.ToLower(e.Request.Header.Get("Accept-Language")), "en")
}

func pick(e *core.RequestEvent, t vocab.Term) string {
	if english(e) {
		return t.EN
	}
	return t.ZH
}

var groups = map[string]vocab.Term{
	"tutoring": {ZH: "校外培训", EN: "Tutoring centres"}, "fire": {ZH: "消防安全", EN: "Fire safety"},
	"dust": {ZH: "扬尘污染", EN: "Dust"},
}

func (s *Service) serviceList(e *core.RequestEvent) o311Services {
	out := o311Services{Services: []o311Service{}}
	for _, t := range vocab.ReportCategory.Terms {
		g, _, _ := strings.Cut(t.Value, ".")
		out.Services = append(out.Services, o311Service{Code: t.Value, Name: pick(e, t),
			Description: pick(e, t) + " / " + t.EN, Metadata: true, Type: "realtime",
			Keywords: strings.ReplaceAll(t.Value, ".", ","), Group: pick(e, groups[g])})
	}
	return out
}

// A service's definition: the attributes of a request beyond the standard's fields.

type o311Value struct {
	XMLName xml.Name `json:"-" xml:"value"`
	Key     string   `json:"key" xml:"key"`
	Name    string   `json:"name" xml:"name"`
}

type o311Attribute struct {
	XMLName             xml.Name    `json:"-" xml:"attribute"`
	Variable            bool        `json:"variable" xml:"variable"`
	Code                string      `json:"code" xml:"code"`
	Datatype            string      `json:"datatype" xml:"datatype"`
	Required            bool        `json:"required" xml:"required"`
	DatatypeDescription string      `json:"datatype_description" xml:"datatype_description"`
	Order               int         `json:"order" xml:"order"`
	Description         string      `json:"description" xml:"description"`
	Values              []o311Value `json:"values,omitempty" xml:"values>value,omitempty"`
}

type o311Definition struct {
	XMLName    xml.Name        `json:"-" xml:"service_definition"`
	Code       string          `json:"service_code" xml:"service_code"`
	Attributes []o311Attribute `json:"attributes" xml:"attributes>attribute"`
}

func (s *Service) definition(e *core.RequestEvent, code string) (o311Definition, error) {
	sds, err := e.App.FindAllRecords(schema.Subdistricts)
	if err != nil {
		return o311Definition{}, err
	}
	values := make([]o311Value, 0, len(sds))
	for _, sd := range sds {
		values = append(values, o311Value{Key: sd.GetString("code"), Name: pick(e, vocab.Term{ZH: sd.GetString("name_zh"), EN: sd.GetString("name_en")})})
	}
	return o311Definition{Code: code, Attributes: []o311Attribute{
		{Variable: true, Code: "place", Datatype: "string", Order: 1,
			DatatypeDescription: "the id on the place's QR code (also accepted as address_id)",
			Description:         pick(e, vocab.Term{ZH: "登记的场所（扫描机构二维码获得）", EN: "The registered place (from its QR code)"})},
		{Variable: true, Code: "subdistrict", Datatype: "singlevaluelist", Order: 2,
			DatatypeDescription: "needed when neither a place nor a point near a registered place is given",
			Description:         pick(e, vocab.Term{ZH: "所在街镇", EN: "Subdistrict or town"}), Values: values},
		{Variable: true, Code: "idempotency_key", Datatype: "string", Order: 3,
			DatatypeDescription: "16-128 letters, digits, _ or -; a retry with the same key creates nothing new",
			Description:         pick(e, vocab.Term{ZH: "防重复提交键", EN: "Idempotency key"})},
	}}, nil
}

func (s *Service) o311Definition(e *core.RequestEvent) error {
	code, format, ok := split(e.Request.PathValue("file"))
	if !ok {
		return o311Fail(e, "json", http.StatusNotFound, "unknown format: use .json or .xml")
	}
	if err := s.checkJurisdiction(e, format, e.Request.URL.Query().Get); err != nil || e.Written() {
		return err
	}
	if !vocab.ReportCategory.Has(code) {
		return o311Fail(e, format, http.StatusNotFound, "service_code not found: "+code)
	}
	def, err := s.definition(e, code)
	if err != nil {
		return o311Fail(e, format, http.StatusInternalServerError, "internal server error")
	}
	return o311Write(e, format, http.StatusOK, def)
}

// Requests.

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

// publicAddress is the kinds of place whose address is public: businesses, not homes.
var publicAddress = map[string]bool{"tutoring_centre": true, "construction_site": true}

func round3(v float64) *float64 {
	r := math.Round(v*1000) / 1000
	return &r
}

// publish renders report r for the public.
func (s *Service) publish(e *core.RequestEvent, r *core.Record) o311Request {
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
	if p, err := e.App.FindRecordById(schema.Places, r.GetString("place")); err == nil && publicAddress[p.GetString("kind")] {
		out.Address, out.AddressID = p.GetString("name")+", "+p.GetString("address"), p.Id
	}
	if g, ok := r.Get("location").(types.GeoPoint); ok && (g.Lon != 0 || g.Lat != 0) {
		out.Lat, out.Long = round3(g.Lat), round3(g.Lon)
	}
	return out
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

func (s *Service) o311Query(e *core.RequestEvent, format string) error {
	q := e.Request.URL.Query()
	where := []dbx.Expression{dbx.HashExp{"voided": false}}
	if ids := splitList(q.Get("service_request_id")); len(ids) > 0 {
		where = append(where, dbx.In("tracking_no", anys(ids)...))
	}
	if codes := splitList(q.Get("service_code")); len(codes) > 0 {
		for _, c := range codes {
			if !vocab.ReportCategory.Has(c) {
				return o311Fail(e, format, http.StatusBadRequest, "service_code not found: "+c)
			}
		}
		where = append(where, dbx.In("category", anys(codes)...))
	}
	start, end := s.cfg.Now().Add(-defaultWindow), s.cfg.Now().Add(time.Minute)
	for name, dst := range map[string]*time.Time{"start_date": &start, "end_date": &end} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return o311Fail(e, format, http.StatusBadRequest, name+" must be a W3C date-time such as 2018-06-01T00:00:00+08:00")
			}
			*dst = t
		} else if name == "start_date" && q.Get("service_request_id") != "" {
			*dst = time.Unix(0, 0)
		}
	}
	if end.Before(start) {
		return o311Fail(e, format, http.StatusBadRequest, "end_date is before start_date")
	}
	where = append(where, dbx.NewExp("created >= {:start} AND created <= {:end}",
		dbx.Params{"start": dbTime(start), "end": dbTime(end)}))
	status := q.Get("status")
	var closedOnly *bool
	switch status {
	case "":
	case "open", "closed":
		closedOnly = boolPtr(status == "closed")
	default:
		return o311Fail(e, format, http.StatusBadRequest, "status must be open or closed")
	}
	var recs []*core.Record
	err := e.App.RecordQuery(schema.Reports).AndWhere(dbx.And(where...)).OrderBy("created DESC").
		Limit(maxResults).All(&recs)
	if err != nil {
		return o311Fail(e, format, http.StatusInternalServerError, "internal server error")
	}
	out := o311Requests{Requests: []o311Request{}}
	for _, r := range recs {
		p := s.publish(e, r)
		if closedOnly == nil || *closedOnly == (p.Status == "closed") {
			out.Requests = append(out.Requests, p)
		}
	}
	return o311Write(e, format, http.StatusOK, out)
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
	return o311Write(e, format, http.StatusOK, o311Requests{Requests: []o311Request{s.publish(e, r)}})
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

// discovery describes the endpoint (the Open311 service discovery format).
type o311Discovery struct {
	XMLName   xml.Name       `json:"-" xml:"discovery"`
	Changeset string         `json:"changeset" xml:"changeset"`
	Contact   string         `json:"contact" xml:"contact"`
	KeyURL    string         `json:"key_service" xml:"key_service"`
	Endpoints []o311Endpoint `json:"endpoints" xml:"endpoints>endpoint"`
}

type o311Endpoint struct {
	XMLName       xml.Name `json:"-" xml:"endpoint"`
	Specification string   `json:"specification" xml:"specification"`
	URL           string   `json:"url" xml:"url"`
	Changeset     string   `json:"changeset" xml:"changeset"`
	Type          string   `json:"type" xml:"type"`
	Formats       []string `json:"formats" xml:"formats>format"`
}

func (s *Service) discovery(e *core.RequestEvent) o311Discovery {
	base := "https://" + e.Request.Host + open311Prefix
	if e.Request.TLS == nil {
		base = "http://" + e.Request.Host + open311Prefix
	}
	return o311Discovery{Changeset: "2026-11-27T00:00:00+08:00", Contact: "海淀区各街镇 / Haidian District subdistricts",
		KeyURL: "district administrators issue keys (POST /api/fs/open311/keys)",
		Endpoints: []o311Endpoint{{Specification: "http://wiki.open311.org/GeoReport_v2", URL: base,
			Changeset: "2026-11-27T00:00:00+08:00", Type: "production", Formats: []string{"application/json", "text/xml"}}}}
}

// Creating a request.

type o311Created struct {
	XMLName       xml.Name `json:"-" xml:"request"`
	ID            string   `json:"service_request_id" xml:"service_request_id"`
	Token         string   `json:"token" xml:"token"`
	ServiceNotice string   `json:"service_notice" xml:"service_notice"`
	AccountID     string   `json:"account_id" xml:"account_id"`
	// Receipt is this server's extension: the reporter's key to follow the request
	// (GET /api/fs/reports/{id} with X-Report-Receipt). Give it to the reporter only.
	Receipt string `json:"receipt" xml:"receipt"`
}

type o311CreatedList struct {
	XMLName  xml.Name      `xml:"service_requests"`
	Requests []o311Created `xml:"request"`
}

func (l o311CreatedList) list() any { return l.Requests }

func (s *Service) o311Create(e *core.RequestEvent) error {
	name, format, ok := split(e.Request.PathValue("file"))
	if !ok || name != "requests" {
		return o311Fail(e, format, http.StatusNotFound, "unknown endpoint: POST requests.json or requests.xml")
	}
	e.Request.Body = http.MaxBytesReader(e.Response, e.Request.Body, maxBody)
	if err := e.Request.ParseForm(); err != nil {
		return o311Fail(e, format, http.StatusBadRequest, "the body must be application/x-www-form-urlencoded")
	}
	f := e.Request.PostForm.Get
	if err := s.checkJurisdiction(e, format, f); err != nil || e.Written() {
		return err
	}
	ip := e.RealIP()
	if s.checkFailures(ip) != nil {
		return o311Fail(e, format, http.StatusTooManyRequests, "too many failed api_key checks; try again later")
	}
	client, err := e.App.FindFirstRecordByFilter(schema.Open311Keys, "key_hash = {:h} && active = true", dbx.Params{"h": hashHex(f("api_key"))})
	if f("api_key") == "" || err != nil {
		s.recordFailure(ip)
		return o311Fail(e, format, http.StatusForbidden, "api_key is missing or not valid")
	}
	d, problem := s.draftFromForm(e, f)
	if problem != "" {
		return o311Fail(e, format, http.StatusBadRequest, problem)
	}
	charges := []charge{{"o311:" + client.Id, s.cfg.Limits.Client}}
	if d.Device != "" {
		charges = append(charges, charge{"report:dev:" + d.Device, s.cfg.Limits.Device})
	}
	out, err := s.submit(d, charges)
	if err != nil {
		return o311Fail(e, format, o311Status(err), o311Describe(err))
	}
	res := o311Created{ID: out.Tracking, Token: out.report.Id, Receipt: out.Receipt,
		ServiceNotice: pick(e, vocab.Term{ZH: "已受理，请保存回执以查看进度", EN: "Received; keep the receipt to follow the request"})}
	status := http.StatusCreated
	if out.repeated {
		status = http.StatusOK
	}
	return o311Write(e, format, status, o311CreatedList{Requests: []o311Created{res}})
}

// draftFromForm reads a POST requests body into a draft, or says what is wrong.
func (s *Service) draftFromForm(e *core.RequestEvent, f func(string) string) (Draft, string) {
	d := Draft{Category: f("service_code"), Description: f("description"), Address: f("address_string"),
		Place: f("address_id"), Device: f("device_id"), Key: f("attribute[idempotency_key]"), source: "open311"}
	if d.Key == "" {
		d.Key = e.Request.Header.Get("Idempotency-Key")
	}
	if d.Category == "" {
		return d, "service_code is required"
	}
	if !vocab.ReportCategory.Has(d.Category) {
		return d, "service_code not found: " + d.Category
	}
	if p := f("attribute[place]"); p != "" {
		d.Place = p
	}
	if code := f("attribute[subdistrict]"); code != "" {
		sd, err := e.App.FindFirstRecordByFilter(schema.Subdistricts, "code = {:c}", dbx.Params{"c": code})
		if err != nil {
			return d, "attribute[subdistrict] is not a subdistrict code"
		}
		d.Subdistrict = sd.Id
	}
	lat, long := f("lat"), f("long")
	if lat != "" || long != "" {
		la, err1 := strconv.ParseFloat(lat, 64)
		lo, err2 := strconv.ParseFloat(long, 64)
		if err1 != nil || err2 != nil || math.IsNaN(la) || math.IsNaN(lo) {
			return d, "lat and long must both be decimal degrees (WGS84)"
		}
		d.Location = &Point{Lon: lo, Lat: la}
	}
	if d.Location == nil && d.Address == "" && d.Place == "" {
		return d, "a location is required: lat and long, address_string or address_id"
	}
	if d.Description == "" {
		return d, "description is required"
	}
	if first, last, phone, email := f("first_name"), f("last_name"), f("phone"), f("email"); first+last+phone+email != "" {
		d.Contact = &Contact{Name: strings.TrimSpace(last + first), Phone: phone, Email: email}
	}
	if m := f("media_url"); m != "" {
		id, ok := photoOfURL(m)
		if !ok {
			return d, "media_url must name a photo uploaded to this server (/api/fs/photos/{id})"
		}
		d.Photos = []string{id}
	}
	return d, ""
}

// photoOfURL returns the photo id of a URL of this server's photos.
func photoOfURL(u string) (string, bool) {
	i := strings.Index(u, "/api/fs/photos/")
	if i < 0 {
		return "", false
	}
	id, _, _ := strings.Cut(u[i+len("/api/fs/photos/"):], "/")
	return id, len(id) == 15
}

func o311Status(err error) int {
	var re *rateError
	if asRate(err, &re) {
		return http.StatusTooManyRequests
	}
	if fe, ok := faultOf(err); ok {
		return fe.Status()
	}
	return http.StatusInternalServerError
}

// o311Describe is an error's description: its message and, for a refused report, which fields.
func o311Describe(err error) string {
	fe, ok := faultOf(err)
	if !ok {
		return "internal server error"
	}
	msg := fe.Message()
	if len(fe.Fields) > 0 {
		var fs []string
		for field, code := range fe.Fields {
			fs = append(fs, fmt.Sprintf("%s: %s", field, code))
		}
		msg += " (" + strings.Join(sortStrings(fs), ", ") + ")"
	}
	return msg
}

func asRate(err error, dst **rateError) bool { return errors.As(err, dst) }

func faultOf(err error) (*fault.Error, bool) { return fault.As(err) }

func sortStrings(ss []string) []string {
	slices.Sort(ss)
	return ss
}
