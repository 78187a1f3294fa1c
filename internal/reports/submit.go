package reports

import (
	"fmt"
	bj "github.com/haidian/fieldsync/internal/beijing"
	"math"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/vocab"
)

// Draft is a report as a resident submits it, through the form or an Open311 client.
type Draft struct {
	// Key is the client's idempotency key: a retry with the same key returns the same report.
	Key         string   `json:"idempotency_key"`
	Device      string   `json:"device_id"`
	Category    string   `json:"category"`
	Centre      string   `json:"centre"`      // a tutoring centre: the id of its QR code, or of public_centres
	Place       string   `json:"place"`       // a public place (publicplace.go)
	Subdistrict string   `json:"subdistrict"` // without a place; found from the point when left out
	Address     string   `json:"address"`
	Location    *Point   `json:"location"`
	Description string   `json:"description"`
	Photos      []string `json:"photos"` // photos of the public upload
	Contact     *Contact `json:"contact"`
	source      string
	// enteredBy is the staff member who entered a report received by telephone or mail
	// (intake.go); nil for a resident's own submission.
	enteredBy *access.Actor
}

// Point is a map point.
type Point struct {
	Lon float64 `json:"lon"`
	Lat float64 `json:"lat"`
}

// Contact is how the reporter may be reached; every part is optional.
type Contact struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
	Email string `json:"email"`
}

// Created is the answer to a submission.
type Created struct {
	Tracking       string   `json:"tracking_no"`
	Receipt        string   `json:"receipt"`
	ReceiptExpires string   `json:"receipt_expires"`
	Status         Label    `json:"status"`
	DuplicateOf    string   `json:"duplicate_of,omitempty"` // the tracking number of the open case joined
	Privacy        []Notice `json:"privacy"`
	report         *core.Record
	repeated       bool
}

// Label is a value with its display names.
type Label struct {
	Value string `json:"value"`
	ZH    string `json:"zh"`
	EN    string `json:"en"`
}

func label(e vocab.Enum, v string) Label {
	t, _ := e.Label(v)
	return Label{Value: v, ZH: t.ZH, EN: t.EN}
}

const (
	maxPhotos      = 10
	minDescription = 5
)

var (
	keyRE   = regexp.MustCompile(`^[A-Za-z0-9_-]{16,128}$`)
	phoneRE = regexp.MustCompile(`^[0-9+\-() ]{5,32}$`)

	errKeyReused = fault.New(fault.Conflict, "idempotency_key_reused",
		"该幂等键已用于另一份不同的举报", "the idempotency key was used for a different report")
)

func invalid(fields map[string]string) *fault.Error {
	return &fault.Error{Kind: fault.Invalid, Code: "report_invalid",
		ZH: "举报内容有误，请检查标出的项目", EN: "the report is incomplete or invalid; see the fields", Fields: fields}
}

// check validates d and returns the field codes of what is wrong.
func (d *Draft) check() map[string]string {
	bad := map[string]string{}
	d.Description = strings.TrimSpace(d.Description)
	d.Address = strings.TrimSpace(d.Address)
	if d.Key != "" && !keyRE.MatchString(d.Key) {
		bad["idempotency_key"] = "invalid"
	}
	if !vocab.ReportCategory.Has(d.Category) {
		bad["category"] = "invalid"
	}
	switch n := utf8.RuneCountInString(d.Description); {
	case !utf8.ValidString(d.Description) || n < minDescription:
		bad["description"] = "too_short"
	case n > 4000:
		bad["description"] = "too_long"
	}
	if utf8.RuneCountInString(d.Address) > 300 {
		bad["address"] = "too_long"
	}
	if d.Location != nil && !inBeijing(*d.Location) {
		bad["location"] = "outside_area"
	}
	if d.Centre == "" && d.Place == "" && d.Address == "" && d.Location == nil {
		bad["place"] = "required"
	}
	if len(d.Photos) > maxPhotos {
		bad["photos"] = "too_many"
	}
	if c := d.Contact; c != nil {
		if utf8.RuneCountInString(c.Name) > 60 {
			bad["contact.name"] = "too_long"
		}
		if c.Phone != "" && !phoneRE.MatchString(c.Phone) {
			bad["contact.phone"] = "invalid"
		}
		if c.Email != "" {
			if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email || len(c.Email) > 200 {
				bad["contact.email"] = "invalid"
			}
		}
	}
	return bad
}

// inBeijing: a point must lie in Beijing's bounding box (a swapped lon/lat does not).
func inBeijing(p Point) bool {
	return p.Lon >= 115.4 && p.Lon <= 117.6 && p.Lat >= 39.4 && p.Lat <= 41.1
}

// submit stores d as a new report, or returns the report an earlier submission with the same
// key made. A new report takes a token from each of the rate buckets of charges; a retry takes
// none. Nothing is stored when d is refused.
func (s *Service) submit(d Draft, charges []charge) (*Created, error) {
	if bad := d.check(); len(bad) > 0 {
		return nil, invalid(bad)
	}
	if prior, err := s.repeat(s.app, d); prior != nil || err != nil {
		return prior, err
	}
	if ok, wait := s.limiter.take(charges...); !ok {
		return nil, limited(wait)
	}
	var out *Created
	err := s.app.RunInTransaction(func(tx core.App) error {
		var err error
		out, err = s.create(tx, d)
		return err
	})
	if err != nil && d.Key != "" {
		// Two submissions with one key raced: the loser answers as a retry.
		if prior, perr := s.repeat(s.app, d); prior != nil {
			return prior, perr
		}
	}
	return out, err
}

// Submit stores d as handleSubmit does, for a caller at address ip: the public pages, whose
// form posts to them rather than to the JSON API.
func (s *Service) Submit(d Draft, ip string) (*Created, error) {
	d.source = "web"
	return s.submit(d, s.writeCharges(ip, d.Device, "report", s.cfg.Limits.Device))
}

// repeat returns the report a submission with d's key made, with a fresh receipt: the retrying
// client lost the first answer, and the key (random, at least 16 characters) proves it is that
// client. The same key with another report is refused.
func (s *Service) repeat(app core.App, d Draft) (*Created, error) {
	if d.Key == "" {
		return nil, nil
	}
	r, err := app.FindFirstRecordByFilter(schema.Reports, "submission_key = {:k}", dbx.Params{"k": hashHex(d.Key)})
	if err != nil {
		return nil, nil
	}
	if r.GetString("category") != d.Category || r.GetString("description") != d.Description {
		return nil, errKeyReused
	}
	var out *Created
	err = app.RunInTransaction(func(tx core.App) error {
		var err error
		out, err = s.answer(tx, r)
		return err
	})
	if out != nil {
		out.repeated = true
	}
	return out, err
}

// create stores the report, its contact, its receipt, and tells the supervisors.
func (s *Service) create(tx core.App, d Draft) (*Created, error) {
	r, err := s.newReport(tx, d)
	if err != nil {
		return nil, err
	}
	if err := s.attachPhotos(tx, r, d.Photos); err != nil {
		return nil, err
	}
	if err := saveFor(tx, r, d.enteredBy); err != nil {
		return nil, err
	}
	if c := d.Contact; c != nil && (c.Name != "" || c.Phone != "" || c.Email != "") {
		coll, err := tx.FindCachedCollectionByNameOrId(schema.ReportContacts)
		if err != nil {
			return nil, err
		}
		rc := core.NewRecord(coll)
		rc.Load(map[string]any{"report": r.Id, "name": strings.TrimSpace(c.Name), "phone": c.Phone, "email": c.Email})
		if err := saveFor(tx, rc, d.enteredBy); err != nil {
			return nil, err
		}
	}
	if r.GetString("duplicate_of") == "" {
		msg := fmt.Sprintf("群众举报 %s：%s，请分派核查", r.GetString("tracking_no"), label(vocab.ReportCategory, d.Category).ZH)
		if err := notifySupervisors(tx, r, "report_received", msg); err != nil {
			return nil, err
		}
	}
	return s.answer(tx, r)
}

// answer issues a receipt for r and describes it.
func (s *Service) answer(tx core.App, r *core.Record) (*Created, error) {
	receipt, exp, err := s.issueReceipt(tx, r)
	if err != nil {
		return nil, err
	}
	out := &Created{Tracking: r.GetString("tracking_no"), Receipt: receipt, ReceiptExpires: exp.UTC().Format(time.RFC3339),
		Status: label(vocab.ReportStatus, r.GetString("status")), Privacy: PrivacyNotice, report: r}
	if dup := r.GetString("duplicate_of"); dup != "" {
		if p, err := tx.FindRecordById(schema.Reports, dup); err == nil {
			out.DuplicateOf = p.GetString("tracking_no")
		}
	}
	return out, nil
}

// saveAsPublic saves r as written by an anonymous resident through server code that has
// checked the rules itself.
func saveAsPublic(tx core.App, r *core.Record) error { return saveFor(tx, r, nil) }

// saveFor saves r as written by staff, who entered it for a resident who telephoned or wrote,
// or by the anonymous resident when staff is nil, through server code that has checked the
// rules itself.
func saveFor(tx core.App, r *core.Record, staff *access.Actor) error {
	actor := access.Actor{Kind: access.KindAnonymous}
	if staff != nil {
		actor = *staff
	}
	access.Attribute(r, access.Attribution{Actor: actor, Door: access.DoorREST, Trusted: true})
	return tx.Save(r)
}

// newReport builds the report of d: its place and subdistrict, tracking number, and the open
// case it duplicates, if any.
func (s *Service) newReport(tx core.App, d Draft) (*core.Record, error) {
	coll, err := tx.FindCachedCollectionByNameOrId(schema.Reports)
	if err != nil {
		return nil, err
	}
	r := core.NewRecord(coll)
	if d.Centre != "" {
		c, err := tx.FindRecordById(schema.Centres, d.Centre)
		if err != nil || c.GetBool("voided") || d.Place != "" && d.Place != c.GetString(schema.FieldPlace) {
			return nil, invalid(map[string]string{"centre": "not_found"})
		}
		d.Place = c.GetString(schema.FieldPlace)
	}
	sd := d.Subdistrict
	if d.Place != "" {
		// Only a public place may be named, and any other id is answered as unknown: the
		// answer must not tell a home's id from one nobody has. Of the place, the report
		// takes what is public: its subdistrict and address, never its point.
		p, err := findPublicPlace(tx, d.Place)
		if err != nil {
			return nil, err
		}
		if p == nil {
			return nil, invalid(map[string]string{"place": "not_found"})
		}
		sd = p.Subdistrict
		if d.Address == "" {
			d.Address = p.Address
		}
	} else if sd == "" && d.Location != nil {
		sd = nearestSubdistrict(tx, *d.Location)
	}
	if _, err := tx.FindRecordById(schema.Subdistricts, sd); sd == "" || err != nil {
		return nil, invalid(map[string]string{"subdistrict": "required"})
	}
	r.Load(map[string]any{
		"tracking_no": trackingNo(s.cfg.Now()), "category": d.Category, "subdistrict": sd,
		"place": d.Place, "address": d.Address, "description": d.Description, "status": "received",
		"source": d.source,
	})
	if d.Location != nil {
		r.Set("location", types.GeoPoint{Lon: d.Location.Lon, Lat: d.Location.Lat})
	}
	if d.Key != "" {
		r.Set("submission_key", hashHex(d.Key))
	}
	primary, err := s.openCase(tx, r)
	if err != nil {
		return nil, err
	}
	if primary != nil {
		r.Set("status", "duplicate")
		r.Set("duplicate_of", primary.Id)
	}
	return r, nil
}

// trackingNo is a new tracking number: HD-<yyyymm>-<6 random letters and digits>, without
// the look-alike 0/O and 1/I.
func trackingNo(now time.Time) string {
	const alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
	raw := randomHex(6)
	var b strings.Builder
	for i := 0; i < 6; i++ {
		b.WriteByte(alphabet[int(raw[2*i]^raw[2*i+1])%len(alphabet)])
	}
	return "HD-" + now.In(beijing).Format("200601") + "-" + b.String()
}

var beijing = bj.Zone

// openStatuses are the statuses of a case still being handled.
var openStatuses = []any{"received", "triaged", "inspected", "ordered", "disputed"}

// openCase returns the open report r repeats: the earliest of the same category at the same
// registered place, or without one within DuplicateRadius of r's point, reported within
// DuplicateWindow.
func (s *Service) openCase(tx core.App, r *core.Record) (*core.Record, error) {
	since, _ := types.ParseDateTime(s.cfg.Now().Add(-s.cfg.DuplicateWindow).UTC())
	q := dbx.And(
		dbx.HashExp{"category": r.GetString("category"), "subdistrict": r.GetString("subdistrict"),
			"duplicate_of": "", "voided": false},
		dbx.In("status", openStatuses...),
		dbx.NewExp("created >= {:since}", dbx.Params{"since": since.String()}))
	if place := r.GetString("place"); place != "" {
		found, err := tx.FindAllRecords(schema.Reports, q, dbx.HashExp{"place": place})
		return earliest(found), err
	}
	g, ok := r.Get("location").(types.GeoPoint)
	if !ok || (g.Lon == 0 && g.Lat == 0) {
		return nil, nil
	}
	found, err := tx.FindAllRecords(schema.Reports, q, dbx.HashExp{"place": ""})
	if err != nil {
		return nil, err
	}
	var near []*core.Record
	for _, c := range found {
		if cg, ok := c.Get("location").(types.GeoPoint); ok && metres(g, cg) <= s.cfg.DuplicateRadius {
			near = append(near, c)
		}
	}
	return earliest(near), nil
}

func earliest(rs []*core.Record) *core.Record {
	var out *core.Record
	for _, r := range rs {
		if out == nil || r.GetDateTime("created").Before(out.GetDateTime("created")) {
			out = r
		}
	}
	return out
}

// metres is the great-circle distance between two points.
func metres(a, b types.GeoPoint) float64 {
	const earth = 6371000.0
	rad := math.Pi / 180
	dLat, dLon := (b.Lat-a.Lat)*rad, (b.Lon-a.Lon)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earth * math.Asin(math.Sqrt(h))
}

// nearestSubdistrict is the subdistrict of the registered place nearest to p, within 2 km.
func nearestSubdistrict(tx core.App, p Point) string {
	places, err := tx.FindAllRecords(schema.Places, dbx.NewExp(
		"json_extract(location, '$.lon') BETWEEN {:lon0} AND {:lon1} AND json_extract(location, '$.lat') BETWEEN {:lat0} AND {:lat1}",
		dbx.Params{"lon0": p.Lon - 0.03, "lon1": p.Lon + 0.03, "lat0": p.Lat - 0.02, "lat1": p.Lat + 0.02}))
	if err != nil {
		return ""
	}
	best, bestD := "", 2000.0
	for _, pl := range places {
		if g, ok := pl.Get("location").(types.GeoPoint); ok {
			if d := metres(types.GeoPoint{Lon: p.Lon, Lat: p.Lat}, g); d <= bestD {
				best, bestD = pl.GetString(schema.FieldSubdistrict), d
			}
		}
	}
	return best
}

// attachPhotos links the public photos of ids to r: each must come from the public upload,
// be stored, and belong to no other report. A photo uploaded under another subdistrict moves
// to the report's.
func (s *Service) attachPhotos(tx core.App, r *core.Record, ids []string) error {
	seen := map[string]bool{}
	for _, id := range ids {
		p, err := tx.FindRecordById(schema.Photos, id)
		if err != nil || seen[id] || !p.GetBool("public") || p.GetString("status") != "stored" || photoInUse(tx, id) {
			return invalid(map[string]string{"photos": "invalid"})
		}
		seen[id] = true
		if p.GetString(schema.FieldSubdistrict) != r.GetString(schema.FieldSubdistrict) {
			p.Set(schema.FieldSubdistrict, r.GetString(schema.FieldSubdistrict))
			access.Attribute(p, access.Attribution{Actor: access.System, Door: access.DoorHook, Trusted: true})
			if err := tx.Save(p); err != nil {
				return fmt.Errorf("move photo: %w", err)
			}
		}
	}
	r.Set("photos", ids)
	return nil
}

// photoInUse reports whether a report or a reporter's addition already shows photo id.
func photoInUse(tx core.App, id string) bool {
	for _, coll := range []string{schema.Reports, schema.ReportUpdates} {
		n, _ := tx.CountRecords(coll, dbx.NewExp("EXISTS (SELECT 1 FROM json_each(photos) WHERE value = {:id})", dbx.Params{"id": id}))
		if n > 0 {
			return true
		}
	}
	return false
}
