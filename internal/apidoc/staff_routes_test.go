package apidoc_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/refdata"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// routes is one live server with a token per kind of caller, for the scenarios of the
// routes beside the sync protocol. Every call is checked against the document.
type routes struct {
	t   *testing.T
	k   *contract
	srv *testkit.Server

	admin, inspA, inspB, supA, fire, env, edu string
}

func newRoutes(t *testing.T, k *contract, srv *testkit.Server) *routes {
	r := &routes{t: t, k: k, srv: srv}
	r.admin = srv.Token(core.CollectionNameSuperusers, testkit.Superuser)
	r.inspA = srv.Token(schema.Users, testkit.InspectorA)
	r.inspB = srv.Token(schema.Users, testkit.InspectorB)
	r.supA = srv.Token(schema.Users, testkit.SupervisorA)
	r.fire = srv.Token(schema.Users, testkit.FireStaff)
	r.env = srv.Token(schema.Users, testkit.EnvStaff)
	r.edu = r.newStaff("edustaff", map[string]any{"role": "agency_staff", "agency": agencyOf("edu")})
	return r
}

// newStaff adds a staff account to the server's users and returns its token.
func (r *routes) newStaff(name string, data map[string]any) string {
	r.t.Helper()
	data["email"] = name + "@contract.fieldsync"
	data["password"] = "contract-password-1"
	data["verified"] = true
	testkit.Save(r.t, r.srv.App, schema.Users, testkit.ID(name), data)
	return r.srv.Token(schema.Users, testkit.ID(name))
}

func agencyOf(code string) string {
	for _, a := range refdata.Agencies() {
		if a.Code == code {
			return a.ID
		}
	}
	panic("no agency " + code)
}

func (r *routes) get(token, tmpl, path string) answer {
	r.t.Helper()
	return call(r.t, r.k, r.srv, token, "", http.MethodGet, tmpl, path, nil)
}

func (r *routes) post(token, tmpl, path string, body any) answer {
	r.t.Helper()
	return call(r.t, r.k, r.srv, token, "", http.MethodPost, tmpl, path, body)
}

// want checks an answer's status and, for an Error body, its code ("" for PocketBase's own
// bodies, which have none, and for successes).
func (r *routes) want(what string, a answer, status int, code string) {
	r.t.Helper()
	if a.Status != status {
		r.t.Errorf("%s: %d %s, want %d %s", what, a.Status, clip(a.Body), status, code)
		return
	}
	if status >= 400 && strings.HasPrefix(strings.TrimSpace(string(a.Body)), "{") && a.code(r.t) != code {
		r.t.Errorf("%s: code %q, want %q: %s", what, a.code(r.t), code, clip(a.Body))
	}
}

// wantRecord checks a command's 200 answer: the record as saved, which must match its
// collection's record schema, closed, besides PocketBase's collectionId and collectionName.
func (r *routes) wantRecord(what, coll string, a answer) {
	r.t.Helper()
	r.want(what, a, http.StatusOK, "")
	var rec map[string]any
	a.decode(r.t, &rec)
	if rec["collectionName"] != coll {
		r.t.Errorf("%s: a record of %v, want %s", what, rec["collectionName"], coll)
	}
	delete(rec, "collectionId")
	delete(rec, "collectionName")
	if err := r.k.checkRecord(coll, rec); err != nil {
		r.t.Errorf("%s: %v", what, err)
	}
}
