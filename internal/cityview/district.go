// Package cityview lets a city read the figures of its districts, each district running its
// own fieldsync on its own machine: the districts' data never leaves them, only counts do.
//
// A district publishes its rectification figures at GET /api/fs/city/figures to the city's
// token of that district (FIELDSYNC_CITY_TOKEN, one per district) or to its administrators;
// the city reads every district through that route and sums (Read). docs/scaling.md says why
// the city is built this way and what was not tried.
package cityview

import (
	"net/http"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/ops"
	"github.com/haidian/fieldsync/internal/rectify"
	"github.com/haidian/fieldsync/internal/vocab"
)

// FiguresPath is the district's route the city reads.
const FiguresPath = "/api/fs/city/figures"

// Config is a district's side of the city view.
type Config struct {
	// Token is the city's bearer token for this district. It reads the district's figures
	// and nothing else: no other route knows it, and it is no account. Empty: only the
	// district's administrators read the figures.
	Token string
	// Now is the clock the figures count overdue findings at.
	Now func() time.Time
}

var errCityAuth = fault.New(fault.Permission, "city_unauthorized",
	"需要市级汇总令牌或区级管理员身份", "the city view's token or a district administrator's sign-in is required")

// DistrictFigures is what a district answers the city: per programme, the rectification
// figures of each of its subdistricts, counts only (no record, no name, no person).
type DistrictFigures struct {
	Programmes map[string][]rectify.Figures `json:"programmes"`
}

// Register binds the city's route to app.
func Register(app core.App, cfg Config) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET(FiguresPath, func(e *core.RequestEvent) error { return handleFigures(e, cfg) })
		return se.Next()
	})
}

func handleFigures(e *core.RequestEvent, cfg Config) error {
	if !e.HasSuperuserAuth() && !ops.BearerIs(e.Request, cfg.Token) {
		fb := errCityAuth.Body()
		if e.Auth == nil {
			fb.Status = http.StatusUnauthorized
		}
		return e.JSON(fb.Status, fb)
	}
	out := DistrictFigures{Programmes: map[string][]rectify.Figures{}}
	now := cfg.Now()
	for _, p := range vocab.Programme.Values() {
		figs, err := rectify.ComputeFigures(e.App, rectify.FiguresScope{Programme: p}, now)
		if err != nil {
			return e.InternalServerError("", err)
		}
		out.Programmes[p] = figs
	}
	return e.JSON(http.StatusOK, out)
}
