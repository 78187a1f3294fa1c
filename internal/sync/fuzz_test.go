package sync_test

import (
	"net/http"
	"testing"

	"github.com/haidian/fieldsync/internal/testkit"
)

// The push and pull decoders face whatever a phone, a proxy or an attacker sends. Whatever the
// body, the answer is a 2xx or a 4xx with a code, never a 5xx and never a panic. The seed corpus
// runs in every `go test`; `go test -fuzz=FuzzPush ./internal/sync/` explores further.

func fuzzServer(f *testing.F) (*testkit.Server, string) {
	srv := testkit.Serve(f, testkit.NewApp(f))
	token := srv.Token("users", testkit.InspectorA)
	res := srv.Do(http.MethodPost, "/api/sync/v1/clients", token, map[string]any{"client_id": "fuzz-device-01"})
	if res.Status != http.StatusOK {
		f.Fatalf("register: %d %s", res.Status, res.Body)
	}
	return srv, token
}

func FuzzPush(f *testing.F) {
	srv, token := fuzzServer(f)
	for _, seed := range []string{
		`{"client_id":"fuzz-device-01","mutations":[{"mid":1,"op":"create","coll":"places","id":"fuzzplace000001","data":{"kind":"venue","name":"x","subdistrict":"sd0000000000001","address":"y"}}]}`,
		`{"client_id":"fuzz-device-01","mutations":[{"mid":1,"op":"patch","coll":"findings","id":"fxfindinga00000","base_v":1,"set":{"severity":"major"}}]}`,
		`{"client_id":"fuzz-device-01","mutations":[{"mid":1,"op":"cmd","coll":"findings","id":"fxfindinga00000","name":"x@1","args":{"a":[1,{}]}}]}`,
		`{"client_id":"fuzz-device-01","mutations":[{"mid":-1,"op":"void","coll":"../../etc","id":"'; DROP TABLE x"}]}`,
		`{"client_id":"fuzz-device-01","mutations":[{"mid":1,"op":"patch","coll":"findings","id":"fxfindinga00000","set":{"location":{"lon":"x"},"photos":[[[]]]}}]}`,
		`{"client_id":"fuzz-device-01","mutations":null}`,
		`{"client_id":"fuzz-device-01","mutations":[{"mid":1e400}]}`,
		`{"client_id":123}`, `[]`, `null`, `{`, "\x00\xff", ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		res := srv.For(t).Do(http.MethodPost, "/api/sync/v1/push", token, body)
		if res.Status >= 500 {
			t.Fatalf("push %q: %d %s", body, res.Status, res.Body)
		}
	})
}

func FuzzPull(f *testing.F) {
	srv, token := fuzzServer(f)
	for _, seed := range []string{
		`{"client_id":"fuzz-device-01","scopes":{}}`,
		`{"client_id":"fuzz-device-01","scopes":{"sd:sd0000000000001":{"cursor":3}},"limit_rows":2}`,
		`{"client_id":"fuzz-device-01","scopes":{"sd:sd0000000000002":{"cursor":-5}},"limit_rows":-1}`,
		`{"client_id":"fuzz-device-01","scopes":{"ref":{"cursor":9223372036854775807}},"limit_rows":99999999}`,
		`{"client_id":"fuzz-device-01","scopes":{"x:y":{}, "":{}}}`,
		`{"client_id":"fuzz-device-01","scopes":[1,2]}`, `{`, ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		res := srv.For(t).Do(http.MethodPost, "/api/sync/v1/pull", token, body)
		if res.Status >= 500 {
			t.Fatalf("pull %q: %d %s", body, res.Status, res.Body)
		}
	})
}
