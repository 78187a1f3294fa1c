package localsetting

import (
	"encoding/json"
	"slices"
	"sync"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/schema"
)

// storeKey is where an app keeps its cache of the settings (core.App.Store, shared by the app
// and the transactions it opens).
const storeKey = "fieldsync.localsetting"

// cache holds the stored values of one app's settings. gen counts invalidations, so that a
// load which read the table before a save does not keep what it read after the save dropped it.
type cache struct {
	mu     sync.Mutex
	gen    uint64
	values map[Key]json.RawMessage // nil until loaded
}

func cacheOf(app core.App) *cache {
	return app.Store().GetOrSet(storeKey, func() any { return &cache{} }).(*cache)
}

func (c *cache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.values = nil
}

// value returns the stored value of key, loading every setting in one query when the cache is
// empty; ok is false when no record holds key or the table cannot be read (the default applies).
func value(app core.App, key Key) (json.RawMessage, bool) {
	c := cacheOf(app)
	c.mu.Lock()
	values, gen := c.values, c.gen
	c.mu.Unlock()
	if values == nil {
		loaded, err := load(app)
		if err != nil {
			app.Logger().Warn("local settings unreadable: the defaults apply", "error", err)
			return nil, false
		}
		c.mu.Lock()
		if c.gen == gen {
			c.values = loaded
		}
		c.mu.Unlock()
		values = loaded
	}
	v, ok := values[key]
	return v, ok
}

func load(app core.App) (map[Key]json.RawMessage, error) {
	var rows []struct {
		Key   string `db:"key"`
		Value string `db:"value"`
	}
	if err := app.DB().Select("key", "value").From(schema.LocalSettings).All(&rows); err != nil {
		return nil, err
	}
	out := make(map[Key]json.RawMessage, len(rows))
	for _, r := range rows {
		out[Key(r.Key)] = json.RawMessage(r.Value)
	}
	return out, nil
}

// Bool is the value of a yes/no setting: its record's, or its default when no record holds it.
func Bool(app core.App, key Key) bool {
	s, _ := find(key)
	def, _ := s.Default.(bool)
	raw, ok := value(app, key)
	if !ok {
		return def
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		return def
	}
	return b
}

// Strings is the value of a list setting: its record's, or its default when no record holds it.
func Strings(app core.App, key Key) []string {
	s, _ := find(key)
	def, _ := s.Default.([]string)
	raw, ok := value(app, key)
	if !ok {
		return slices.Clone(def)
	}
	var out []string
	if err := json.Unmarshal(raw, &out); err != nil {
		return slices.Clone(def)
	}
	return out
}
