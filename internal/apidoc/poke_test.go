package apidoc_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// sseEvent is one server-sent event.
type sseEvent struct{ name, data string }

// events reads the server-sent events of res into a channel until the stream ends.
func events(res *http.Response) <-chan sseEvent {
	ch := make(chan sseEvent)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(res.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.name != "" {
					ch <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "event:"):
				ev.name = strings.TrimPrefix(line, "event:")
			case strings.HasPrefix(line, "data:"):
				ev.data += strings.TrimPrefix(line, "data:")
			}
		}
	}()
	return ch
}

func next(t *testing.T, ch <-chan sseEvent, name string) sseEvent {
	t.Helper()
	for ev := range ch {
		if ev.name == name {
			return ev
		}
	}
	t.Fatalf("the event stream ended before a %s event", name)
	return sseEvent{}
}

// pokeScenario subscribes to the realtime topic as the document describes and checks the
// poke a write sends against the Poke schema.
func pokeScenario(t *testing.T, k *contract) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/realtime", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	stream := events(res)
	var connect struct{ ClientID string }
	if err := json.Unmarshal([]byte(next(t, stream, "PB_CONNECT").data), &connect); err != nil || connect.ClientID == "" {
		t.Fatalf("PB_CONNECT: %v", err)
	}
	listener := srv.Token("users", testkit.SupervisorA)
	sub := srv.For(t).Do(http.MethodPost, "/api/realtime", listener,
		map[string]any{"clientId": connect.ClientID, "subscriptions": []string{sync.PokeTopic}})
	if sub.Status != http.StatusNoContent {
		t.Fatalf("subscribe: %d %s", sub.Status, sub.Body)
	}
	writer := newPhone(t, k, srv, testkit.InspectorA, "phone-poke-a")
	writer.register()
	writer.results(sync.Mutation{Op: sync.OpPatch, Coll: "findings", ID: testkit.Side("finding", "a"), BaseV: 1,
		Set: map[string]any{"responsible_party": "房东"}})
	poke := next(t, stream, sync.PokeTopic)
	if err := k.validate("/components/schemas/Poke", []byte(poke.data)); err != nil {
		t.Errorf("the poke %s does not match the document's Poke:\n%v", poke.data, err)
	}
	if !strings.Contains(poke.data, string(sync.SubdistrictScope(testkit.SubdistrictA))) {
		t.Errorf("the poke %s does not name the supervisor's subdistrict", poke.data)
	}
}
