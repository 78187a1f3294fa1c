package publicweb

import (
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/reports"
)

var trackingRE = regexp.MustCompile(`^HD-\d{6}-[0-9A-Z]{6}$`)

// handleFind asks for a tracking number and a short code.
func (s *Site) handleFind(e *core.RequestEvent) error {
	return s.render(e, http.StatusOK, "find", map[string]any{"V": map[string]string{}})
}

// handleFindPost checks the two typed values and goes to the tracking page they open.
func (s *Site) handleFindPost(e *core.RequestEvent) error {
	lang := langOf(e)
	tracking := strings.ToUpper(strings.TrimSpace(e.Request.PostFormValue("tracking")))
	code, okCode := normalCode(e.Request.PostFormValue("code"))
	v := map[string]string{"tracking": tracking, "code": e.Request.PostFormValue("code")}
	errs := map[string]string{}
	if !trackingRE.MatchString(tracking) {
		errs["tracking"] = tr(lang, "find.bad")
	}
	if !okCode {
		errs["code"] = tr(lang, "find.bad")
	}
	if len(errs) > 0 {
		return s.render(e, http.StatusBadRequest, "find", map[string]any{"V": v, "Errors": errs})
	}
	return e.Redirect(http.StatusSeeOther, href(lang, trackPath(tracking, code)))
}

// open returns the reporter's view of the page's tracking number and code. A wrong code is
// counted against the address (as a failed receipt) and against the tracking number.
func (s *Site) open(e *core.RequestEvent) (reports.View, string, error) {
	tracking := e.Request.PathValue("tracking")
	code, ok := normalCode(e.Request.PathValue("code"))
	if !ok || !trackingRE.MatchString(tracking) || s.guard.blocked(tracking) {
		_, err := s.reports.ReporterView(e.RealIP(), tracking, "") // counts as a failure
		return reports.View{}, "", err
	}
	receipt, known, err := openReceipt(e.App, tracking, code)
	if errors.Is(err, errCode) {
		if known {
			s.guard.fail(tracking)
		}
		receipt = "" // the reports module counts and refuses it like any bad receipt
	} else if err != nil {
		return reports.View{}, "", err
	}
	v, err := s.reports.ReporterView(e.RealIP(), tracking, receipt)
	return v, receipt, err
}

// handleTrack is the tracking page: status and history in words, the outcome, and forms to
// add information or dispute a fix.
func (s *Site) handleTrack(e *core.RequestEvent) error {
	v, _, err := s.open(e)
	if err != nil {
		return s.refuseTrack(e, err)
	}
	return s.renderTrack(e, http.StatusOK, v, map[string]any{"Added": e.Request.URL.Query().Get("added") == "1"})
}

// refuseTrack answers a bad tracking number or code with the find form and its message.
func (s *Site) refuseTrack(e *core.RequestEvent, err error) error {
	lang := langOf(e)
	status, msg := faultMessage(lang, err)
	if fe, ok := fault.As(err); ok && fe.Kind == fault.Permission {
		msg = tr(lang, "find.bad")
	}
	if status >= 500 {
		return s.errorPage(e, err)
	}
	return s.render(e, status, "find", map[string]any{"V": map[string]string{"tracking": e.Request.PathValue("tracking")},
		"Errors": map[string]string{"code": msg}})
}

func (s *Site) renderTrack(e *core.RequestEvent, status int, v reports.View, data map[string]any) error {
	data["R"], data["Self"] = v, e.Request.URL.Path
	data["Final"] = v.Status.Value == "closed" || v.Status.Value == "rejected"
	data["MaxAddPhotos"] = 5
	return s.render(e, status, "track", data)
}

// handleAdd stores the reporter's information or dispute; a refusal shows the page again with
// the message beside the form, and nothing is stored.
func (s *Site) handleAdd(e *core.RequestEvent) error {
	lang := langOf(e)
	_, receipt, err := s.open(e)
	if err != nil {
		return s.refuseTrack(e, err)
	}
	kind := e.Request.PostFormValue("kind")
	if kind != "dispute" {
		kind = "info"
	}
	text := e.Request.PostFormValue("text")
	photos := e.Request.PostForm["photo"]
	_, err = s.reports.Add(e.RealIP(), e.Request.PostFormValue("device"), e.Request.PathValue("tracking"), receipt, kind, text, photos)
	if err != nil {
		fe, ok := fault.As(err)
		if !ok {
			return s.errorPage(e, err)
		}
		v, _, verr := s.open(e)
		if verr != nil {
			return s.refuseTrack(e, verr)
		}
		msg := pick(lang, fieldWords["text"])
		if fe.Kind != fault.Invalid {
			_, msg = faultMessage(lang, err)
		}
		return s.renderTrack(e, fe.Status(), v, map[string]any{"Errors": map[string]string{kind: msg}, "Text": text})
	}
	return e.Redirect(http.StatusSeeOther, href(lang, e.Request.URL.Path+"?added=1"))
}
