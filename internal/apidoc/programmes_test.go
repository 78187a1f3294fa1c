package apidoc_test

import (
	"net/http"
	"testing"

	"github.com/haidian/fieldsync/internal/testkit"
)

// programmesScenario reads the tutoring and dust figures and the public centre lookup, with
// every answer the document lists for them.
func programmesScenario(t *testing.T, k *contract) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	insp := srv.Token("users", testkit.InspectorA)
	fire := srv.Token("users", testkit.FireStaff)
	get := func(token, tmpl, path string) answer {
		t.Helper()
		return call(t, k, srv, token, "", http.MethodGet, tmpl, path, nil)
	}

	const daily = "/api/fs/tutoring/daily"
	wantStatus(t, "daily", get(insp, daily, daily+"?day=2018-05-02"), http.StatusOK, "")
	wantStatus(t, "daily of one subdistrict", get(insp, daily, daily+"?day=2018-05-02&subdistrict="+testkit.SubdistrictA), http.StatusOK, "")
	wantStatus(t, "daily, bad day", get(insp, daily, daily+"?day=yesterday"), http.StatusBadRequest, "bad_day")
	wantStatus(t, "daily, anonymous", get("", daily, daily+"?day=2018-05-02"), http.StatusUnauthorized, "")
	wantStatus(t, "daily, fire brigade", get(fire, daily, daily+"?day=2018-05-02"), http.StatusForbidden, "tutoring_report_forbidden")

	const lookup = "/api/fs/tutoring/public/centres/{id}"
	wantStatus(t, "lookup", get("", lookup, "/api/fs/tutoring/public/centres/"+testkit.Side("centre", "a")), http.StatusOK, "")
	wantStatus(t, "lookup, unknown", get("", lookup, "/api/fs/tutoring/public/centres/nosuchcentre000"), http.StatusNotFound, "centre_not_found")

	const ranking = "/api/fs/dust/ranking"
	wantStatus(t, "ranking", get(fire, ranking, ranking+"?month=2018-05"), http.StatusOK, "")
	wantStatus(t, "ranking, bad month", get(fire, ranking, ranking+"?month=May"), http.StatusBadRequest, "bad_month")
	wantStatus(t, "ranking, anonymous", get("", ranking, ranking+"?month=2018-05"), http.StatusUnauthorized, "")

	const land = "/api/fs/dust/bareland"
	wantStatus(t, "bare land", get(insp, land, land+"?from=2018-04&to=2018-06"), http.StatusOK, "")
	wantStatus(t, "bare land, bad range", get(insp, land, land+"?from=2018-06&to=2018-04"), http.StatusBadRequest, "bad_month_range")
	wantStatus(t, "bare land, fire brigade", get(fire, land, land+"?from=2018-04&to=2018-06"), http.StatusForbidden, "dust_figures_forbidden")
}
