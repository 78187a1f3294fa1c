package sync

import (
	"encoding/json"
	"slices"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/subscriptions"

	"github.com/haidian/fieldsync/internal/access"
)

// PokeTopic is the realtime topic on which online clients hear which of their scopes moved.
// A poke only says "pull now"; clients that miss it lose nothing but latency.
const PokeTopic = "fieldsync/sync"

// Poke is the message sent on PokeTopic.
type Poke struct {
	Seq    int64   `json:"seq"`
	Scopes []Scope `json:"scopes"`
}

// poke tells every realtime client subscribed to PokeTopic which of the moved scopes it may
// sync. It runs on its own goroutine: a slow client must never hold up a writer, and a panic
// here must never take the server down.
func (s *Service) poke(seq int64, moved []Scope) {
	go func() {
		defer func() {
			if r := recover(); r != nil {
				s.app.Logger().Error("sync poke panicked", "panic", r)
			}
		}()
		for _, c := range s.app.SubscriptionsBroker().Clients() {
			if !c.HasSubscription(PokeTopic) {
				continue
			}
			auth, _ := c.Get(apis.RealtimeClientAuthKey).(*core.Record)
			mine := slices.DeleteFunc(ScopesOf(access.ActorFromAuth(auth)), func(sc Scope) bool {
				return !slices.Contains(moved, sc)
			})
			if len(mine) == 0 {
				continue
			}
			data, _ := json.Marshal(Poke{Seq: seq, Scopes: mine})
			c.Send(subscriptions.Message{Name: PokeTopic, Data: data})
		}
	}()
}
