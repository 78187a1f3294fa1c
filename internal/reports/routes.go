package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/vocab"
)

const maxBody = 64 << 10

func (s *Service) routes(se *core.ServeEvent) {
	g := se.Router.Group("/api/fs/reports")
	g.Bind(apis.BodyLimit(maxBody))
	g.GET("/form", s.handleForm)
	g.POST("", s.handleSubmit)
	g.POST("/intake", s.handleIntake).Bind(apis.RequireAuth("users"))
	g.GET("/{tracking}", s.handleView)
	g.POST("/{tracking}/info", s.handleInfo)
	g.POST("/{tracking}/dispute", s.handleDispute)
	se.Router.POST("/api/fs/open311/keys", s.handleIssueKey).Bind(apis.RequireSuperuserAuth())
}

// asFault returns the client-facing error of err: a fault, or a refused write (a schema rule
// or a model hook said no, and nothing was stored) as report_invalid with its field codes.
func asFault(err error) (*fault.Error, bool) {
	if fe, ok := fault.As(err); ok {
		return fe, true
	}
	var verrs validation.Errors
	if !errors.As(err, &verrs) {
		return nil, false
	}
	fe := invalid(map[string]string{})
	for field, v := range verrs {
		code := "invalid"
		if ve, ok := v.(validation.Error); ok {
			code = ve.Code()
		}
		fe.Fields[field] = code
	}
	return fe, true
}

func writeError(e *core.RequestEvent, err error) error {
	fe, ok := asFault(err)
	if !ok {
		e.App.Logger().Error("report request failed", "path", e.Request.URL.Path, "error", err)
		fe = fault.New(fault.Internal, "internal", "服务器内部错误", "internal server error")
	}
	var re *rateError
	if errors.As(err, &re) {
		setRetryAfter(e.Response.Header(), re.wait)
	}
	e.Response.Header().Set("Cache-Control", "no-store")
	return e.JSON(fe.Status(), fe.Body())
}

var errBody = fault.New(fault.Invalid, "body_invalid", "请求内容不是有效的 JSON", "the request body is not valid JSON")

// decode reads a JSON body into v, refusing unknown fields and trailing data.
func decode(e *core.RequestEvent, v any) error {
	data, err := io.ReadAll(io.LimitReader(e.Request.Body, maxBody+1))
	if err != nil || len(data) > maxBody {
		return errBody.Wrap(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil || dec.More() {
		return errBody.Wrap(err)
	}
	return nil
}

// form is what the report page shows before anything is written.
type form struct {
	Categories   []vocab.Term  `json:"categories"`
	Subdistricts []subdistrict `json:"subdistricts"`
	Privacy      []Notice      `json:"privacy"`
	MaxPhotos    int           `json:"max_photos"`
}

type subdistrict struct {
	ID   string `json:"id"`
	ZH   string `json:"zh"`
	EN   string `json:"en"`
	Code string `json:"code"`
}

func (s *Service) handleForm(e *core.RequestEvent) error {
	out := form{Categories: vocab.ReportCategory.Terms, Privacy: PrivacyNotice, MaxPhotos: maxPhotos}
	sds, err := e.App.FindAllRecords(schema.Subdistricts)
	if err != nil {
		return writeError(e, err)
	}
	for _, sd := range sds {
		out.Subdistricts = append(out.Subdistricts, subdistrict{ID: sd.Id, ZH: sd.GetString("name_zh"),
			EN: sd.GetString("name_en"), Code: sd.GetString("code")})
	}
	return e.JSON(http.StatusOK, out)
}

func (s *Service) handleSubmit(e *core.RequestEvent) error {
	var d Draft
	if err := decode(e, &d); err != nil {
		return writeError(e, err)
	}
	d.Device, d.source = deviceOf(e, d.Device), "web"
	return s.submitAndAnswer(e, d, s.writeCharges(e.RealIP(), d.Device, "report", s.cfg.Limits.Device))
}

// submitAndAnswer submits d and answers 201 with the new report, or 200 with the report a retry
// of the same idempotency key made.
func (s *Service) submitAndAnswer(e *core.RequestEvent, d Draft, charges []charge) error {
	if d.Key == "" {
		d.Key = e.Request.Header.Get("Idempotency-Key")
	}
	out, err := s.submit(d, charges)
	if err != nil {
		return writeError(e, err)
	}
	status := http.StatusCreated
	if out.repeated {
		status = http.StatusOK
	}
	e.Response.Header().Set("Cache-Control", "no-store")
	return e.JSON(status, out)
}

// receiptReport opens the report of tracking with its receipt. Every failure answers the same
// 403, and an address that fails too often is held back.
func (s *Service) receiptReport(app core.App, ip, tracking, receipt string) (*core.Record, error) {
	if err := s.checkFailures(ip); err != nil {
		return nil, err
	}
	r, err := s.openReceipt(app, receipt, tracking)
	if err != nil {
		s.recordFailure(ip)
		return nil, err
	}
	return r, nil
}

// ReporterView is the report of tracking as its reporter sees it, opened with its receipt by a
// caller at address ip: what GET /api/fs/reports/{tracking} answers, for the public pages. A
// bad receipt (an empty one too) counts as a failure of ip.
func (s *Service) ReporterView(ip, tracking, receipt string) (View, error) {
	r, err := s.receiptReport(s.app, ip, tracking, receipt)
	if err != nil {
		return View{}, err
	}
	return s.view(s.app, r)
}

func (s *Service) handleView(e *core.RequestEvent) error {
	v, err := s.ReporterView(e.RealIP(), e.Request.PathValue("tracking"), e.Request.Header.Get(receiptHeader))
	if err != nil {
		return writeError(e, err)
	}
	e.Response.Header().Set("Cache-Control", "no-store")
	return e.JSON(http.StatusOK, v)
}

// addition is what a reporter adds to their report.
type addition struct {
	Text   string   `json:"text"`
	Photos []string `json:"photos"`
}

var (
	errAddition = fault.New(fault.Invalid, "report_addition_invalid",
		"请填写内容（4000 字以内），照片最多 5 张", "write something (4000 characters at most); 5 photos at most")
	errFinal = fault.New(fault.Conflict, "report_final",
		"举报已办结或不予受理，不能再补充", "the report is closed or rejected: nothing can be added")
	errNoDispute = fault.New(fault.Conflict, "report_dispute_closed",
		"只能在整改完成后 30 天内提出异议", "a fix can be disputed only within 30 days of it")
)

func (s *Service) readAddition(e *core.RequestEvent) (addition, error) {
	var a addition
	if err := decode(e, &a); err != nil {
		return a, err
	}
	return a, a.check()
}

func (a *addition) check() error {
	a.Text = strings.TrimSpace(a.Text)
	if n := utf8.RuneCountInString(a.Text); n == 0 || n > 4000 || !utf8.ValidString(a.Text) || len(a.Photos) > 5 {
		return errAddition
	}
	return nil
}

func (s *Service) handleInfo(e *core.RequestEvent) error {
	return s.handleAddition(e, "info")
}

func (s *Service) handleDispute(e *core.RequestEvent) error {
	return s.handleAddition(e, "dispute")
}

// handleAddition stores the reporter's information or dispute, and tells the handlers.
func (s *Service) handleAddition(e *core.RequestEvent, kind string) error {
	a, bad := s.readAddition(e)
	v, err := s.addWith(e.RealIP(), deviceOf(e, ""), e.Request.PathValue("tracking"), e.Request.Header.Get(receiptHeader), kind, a, bad)
	if err != nil {
		return writeError(e, err)
	}
	e.Response.Header().Set("Cache-Control", "no-store")
	return e.JSON(http.StatusCreated, v)
}

// Add stores the reporter's information ("info") or dispute ("dispute") of the report of
// tracking, opened with its receipt by a caller at address ip from device, and tells the
// handlers: what POST /api/fs/reports/{tracking}/info and /dispute do, for the public pages.
func (s *Service) Add(ip, device, tracking, receipt, kind, text string, photos []string) (View, error) {
	a := addition{Text: text, Photos: photos}
	return s.addWith(ip, device, tracking, receipt, kind, a, a.check())
}

// addWith checks the receipt first, then the addition's own error bad, the rate limits, and
// stores it.
func (s *Service) addWith(ip, device, tracking, receipt, kind string, a addition, bad error) (View, error) {
	r, err := s.receiptReport(s.app, ip, tracking, receipt)
	if err != nil {
		return View{}, err
	}
	if bad != nil {
		return View{}, bad
	}
	if ok, wait := s.limiter.take(s.writeCharges(ip, device, "report", s.cfg.Limits.Device)...); !ok {
		return View{}, limited(wait)
	}
	err = s.app.RunInTransaction(func(tx core.App) error {
		return s.add(tx, r, kind, a)
	})
	if err != nil {
		return View{}, err
	}
	if r, err = s.app.FindRecordById(schema.Reports, r.Id); err != nil {
		return View{}, err
	}
	return s.view(s.app, r)
}

// add stores an addition to r. A dispute reopens the case r belongs to.
func (s *Service) add(tx core.App, r *core.Record, kind string, a addition) error {
	r, err := tx.FindRecordById(schema.Reports, r.Id) // as stored inside the transaction
	if err != nil {
		return err
	}
	c := caseOf(tx, r)
	switch status := c.GetString(schema.FieldStatus); {
	case kind == "info" && (status == "closed" || status == "rejected"):
		return errFinal
	case kind == "dispute" && !s.disputeState(c).Allowed:
		return errNoDispute
	}
	coll, err := tx.FindCachedCollectionByNameOrId(schema.ReportUpdates)
	if err != nil {
		return err
	}
	u := core.NewRecord(coll)
	u.Load(map[string]any{"report": r.Id, "subdistrict": r.GetString(schema.FieldSubdistrict), "kind": kind, "text": a.Text})
	if err := s.attachPhotos(tx, u, a.Photos); err != nil {
		return err
	}
	if err := saveAsPublic(tx, u); err != nil {
		return err
	}
	msg := "举报人补充了信息：" + r.GetString("tracking_no")
	if kind == "dispute" {
		msg = "举报人对整改结果有异议，请复核：" + c.GetString("tracking_no")
		c.Set(schema.FieldStatus, "disputed")
		access.Attribute(c, access.Attribution{Actor: access.Actor{Kind: access.KindAnonymous}, Door: access.DoorREST, Trusted: true})
		if err := tx.Save(c); err != nil {
			return err
		}
	}
	note := map[string]string{"info": "report_info", "dispute": "report_disputed"}[kind]
	if err := notifySupervisors(tx, c, note, msg); err != nil {
		return err
	}
	if who := c.GetString("assigned_to"); who != "" {
		return notify(tx, []string{who}, note, c, msg)
	}
	return nil
}

// handleIssueKey issues an Open311 api_key to a client named in the body; the key is shown
// once and stored as its hash.
func (s *Service) handleIssueKey(e *core.RequestEvent) error {
	var body struct {
		Name string `json:"name"`
	}
	if err := decode(e, &body); err != nil || strings.TrimSpace(body.Name) == "" || len(body.Name) > 100 {
		return writeError(e, errBody)
	}
	key := "o311_" + randomHex(24)
	coll, err := e.App.FindCachedCollectionByNameOrId(schema.Open311Keys)
	if err != nil {
		return writeError(e, err)
	}
	r := core.NewRecord(coll)
	r.Load(map[string]any{"name": strings.TrimSpace(body.Name), "key_hash": hashHex(key), "active": true})
	access.Attribute(r, access.Attribution{Actor: access.ActorFromAuth(e.Auth), Door: access.DoorAdmin})
	if err := e.App.Save(r); err != nil {
		return writeError(e, err)
	}
	e.Response.Header().Set("Cache-Control", "no-store")
	return e.JSON(http.StatusCreated, map[string]string{"id": r.Id, "name": r.GetString("name"), "api_key": key})
}
