package sync

import (
	"encoding/json"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// Tally is what one pull or push did, left on its request for the server's metrics
// (internal/ops reads it with TallyOf once the answer is written). A pull leaves one when it
// answers 200; a push whenever it got as far as applying, whatever it answered.
type Tally struct {
	Op   string // "pull" or "push"
	Rows int    // a pull: the changes it sent; a push: the mutations it carried
	// Outcomes counts the mutations this push decided, by outcome (applied, merged, ...).
	Outcomes map[string]int
	// Replayed counts the mutations answered from the store, decided by an earlier copy.
	Replayed int
	// Wait is how long a push waited for the writer's turn (see admission).
	Wait time.Duration
}

const tallyKey = "fieldsync.sync.tally"

// TallyOf returns the tally a pull or push left on e.
func TallyOf(e *core.RequestEvent) (Tally, bool) {
	t, ok := e.Get(tallyKey).(Tally)
	return t, ok
}

func tallyPull(e *core.RequestEvent, res *PullResponse) {
	t := Tally{Op: "pull"}
	for _, sr := range res.Scopes {
		t.Rows += len(sr.Changes)
	}
	e.Set(tallyKey, t)
}

func tallyPush(e *core.RequestEvent, req PushRequest, res *PushResponse, wait time.Duration) {
	t := Tally{Op: "push", Rows: len(req.Mutations), Outcomes: map[string]int{}, Wait: wait}
	if res != nil {
		for _, raw := range res.decided {
			var r struct {
				Outcome string `json:"outcome"`
			}
			if json.Unmarshal(raw, &r) == nil {
				t.Outcomes[r.Outcome]++
			}
		}
		t.Replayed = len(res.Results) - len(res.decided)
	}
	e.Set(tallyKey, t)
}
