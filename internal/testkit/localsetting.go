package testkit

import (
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/localsetting"
	"github.com/haidian/fieldsync/internal/schema"
)

// SetLocal changes one of the district's local choices as a district administrator does: a
// superuser's PATCH of its local_settings record through the admin UI's door. It fails the test
// if the server refuses.
func SetLocal(t testing.TB, s *Server, key localsetting.Key, value any) {
	t.Helper()
	r, err := s.App.FindFirstRecordByData(schema.LocalSettings, "key", string(key))
	if err != nil {
		t.Fatalf("local setting %s: %v", key, err)
	}
	res := s.Do(http.MethodPatch, "/api/collections/"+schema.LocalSettings+"/records/"+r.Id,
		s.Token(core.CollectionNameSuperusers, Superuser), map[string]any{"value": value})
	if res.Status != http.StatusOK {
		t.Fatalf("set %s to %v: %d %s", key, value, res.Status, res.Body)
	}
}
