package photo

import (
	"context"
	"testing"
	"time"
)

// TestPipeline_BoundsConcurrentDecodes: with every slot taken, a decode waits, and after the
// configured wait it gives up with errBusy instead of piling up memory.
func TestPipeline_BoundsConcurrentDecodes(t *testing.T) {
	cfg := DefaultLimits()
	cfg.Decoders, cfg.DecodeWait = 2, 20*time.Millisecond
	p := NewPipeline(cfg)
	var releases []func()
	for range 2 {
		release, err := p.acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		releases = append(releases, release)
	}
	if _, err := p.acquire(context.Background()); err != ErrBusy {
		t.Fatalf("third decode: %v, want ErrBusy", err)
	}
	releases[0]()
	release, err := p.acquire(context.Background())
	if err != nil {
		t.Fatalf("after a release: %v", err)
	}
	release()
	releases[1]()
}
