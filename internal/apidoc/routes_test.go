package apidoc_test

import (
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/haidian/fieldsync/internal/apidoc"
	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/cityview"
	"github.com/haidian/fieldsync/internal/testkit"
)

// contractPrefixes are the route prefixes the document is the whole contract of. The other
// routes are pages (/app/, /console/, /c, /r, /t, /p/), Open311 (/open311/v2, its own
// standard), /metrics (Prometheus's format) and PocketBase's own /api/... routes.
var contractPrefixes = []string{"/api/fs/", "/api/sync/"}

// TestContract_CoversEveryRoute fails when the server registers a route under the contract's
// prefixes that the document does not describe, or the document describes an operation the
// server does not register. The routes come from a real bound app's router after OnServe,
// walked as PocketBase's own loadMux walks it, not from a list kept here.
func TestContract_CoversEveryRoute(t *testing.T) {
	k := theContract(t)
	// The server binds the city view beside app.Bind (cmd/fieldsync: only it has the
	// operator's token), so the app is bound as the server binds it.
	served := servedRoutes(t, testkit.NewAppWith(t, func(a core.App) {
		app.Bind(a)
		cityview.Register(a, cityview.Config{})
	}))
	if len(served) < 20 {
		t.Fatalf("the router walk found only %d routes under %v: %v", len(served), contractPrefixes, served)
	}
	documented := map[string]bool{}
	paths, _ := k.doc["paths"].(map[string]any)
	for path, item := range paths {
		ops, _ := item.(map[string]any)
		for method := range ops {
			if isMethod(method) {
				documented[routeKey(strings.ToUpper(method), path)] = true
			}
		}
	}
	for _, key := range slices.Sorted(maps.Keys(served)) {
		if !documented[key] {
			t.Errorf("the server serves %s, which %s does not describe", served[key], apidoc.DocumentPath)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(documented)) {
		if _, ok := served[key]; !ok {
			t.Errorf("the document describes %s, which the server does not serve", key)
		}
	}
	t.Logf("%d operations served under %v", len(served), contractPrefixes)
}

// routeKey names an operation with its path parameters' names dropped, so that a router's
// /{id} and a document's /{tracking} at the same place are the same route.
func routeKey(method, path string) string {
	return method + " " + paramName.ReplaceAllString(path, "{}")
}

var paramName = regexp.MustCompile(`\{[^}]*\}`)

func isMethod(s string) bool {
	return slices.Contains([]string{"get", "head", "post", "put", "patch", "delete", "options"}, s)
}

// servedRoutes binds app's routes as serving does and returns those under contractPrefixes,
// keyed by routeKey, each with its pattern as registered.
func servedRoutes(t *testing.T, app core.App) map[string]string {
	t.Helper()
	r, err := apis.NewRouter(app)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	err = app.OnServe().Trigger(&core.ServeEvent{App: app, Router: r}, func(e *core.ServeEvent) error {
		walkRoutes(reflect.ValueOf(e.Router.RouterGroup).Elem(), "", func(method, path string) {
			for _, p := range contractPrefixes {
				if strings.HasPrefix(path, p) {
					if method == "" { // Any: every method, which the document cannot promise
						t.Errorf("%s is registered for every method", path)
					}
					out[routeKey(method, path)] = method + " " + path
				}
			}
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	app.Cron().Stop() // serving started the scheduler; no job may tick in a test
	return out
}

// walkRoutes calls visit with the method and full path of every route under the group g (a
// router.RouterGroup value). PocketBase keeps a group's children unexported, so they are read
// by reflection, without calling into them; the exported Prefix, Method and Path are those
// loadMux joins into the mux's patterns.
func walkRoutes(g reflect.Value, prefix string, visit func(method, path string)) {
	prefix += g.FieldByName("Prefix").String()
	children := g.FieldByName("children")
	for i := range children.Len() {
		child := children.Index(i).Elem().Elem() // any → pointer → struct
		switch child.Type().Name() {
		case reflect.TypeFor[router.RouterGroup[*core.RequestEvent]]().Name():
			walkRoutes(child, prefix, visit)
		case reflect.TypeFor[router.Route[*core.RequestEvent]]().Name():
			visit(child.FieldByName("Method").String(), prefix+child.FieldByName("Path").String())
		default:
			panic(fmt.Sprintf("a router child of type %s", child.Type()))
		}
	}
}
