package blobs

import (
	"context"
	"testing"
	"time"

	"github.com/haidian/fieldsync/internal/blobs/photo"
	"github.com/haidian/fieldsync/internal/fault"
)

// TestGate_RetryAfter: the wait told is the completions waiting and the refused one, at the
// recent hold time per slot, between a second and five minutes; before any completion was
// measured the assumed half second stands.
func TestGate_RetryAfter(t *testing.T) {
	g := newGate(4, time.Hour)
	cases := []struct {
		what    string
		hold    []time.Duration
		waiting int
		want    time.Duration
	}{
		{"nothing measured, 15 waiting: 16 × 0.5 s / 4", nil, 15, 2 * time.Second},
		{"nothing measured, none waiting: the floor", nil, 0, time.Second},
		{"2 s measured, 9 waiting: 10 × 2 s / 4", []time.Duration{2 * time.Second}, 9, 5 * time.Second},
		{"then 12 s: 0.9 × 2 s + 0.1 × 12 s = 3 s a completion", []time.Duration{12 * time.Second}, 9, 7500 * time.Millisecond},
		{"a queue of hours: the ceiling", nil, 100_000, 5 * time.Minute},
	}
	for _, c := range cases {
		for _, d := range c.hold {
			g.observe(d)
		}
		g.waiting = c.waiting
		if got := g.retryAfter(); got != c.want {
			t.Errorf("%s: %v, want %v", c.what, got, c.want)
		}
	}
}

// TestGate_RefusesBusyWithTheWait: with every slot held, a completion is refused after the
// gate's wait with server_busy, kind Busy (503), and the estimated wait; a busy answer of the
// pipeline's decode slots gets the same wait; a freed slot lets the next one in.
func TestGate_RefusesBusyWithTheWait(t *testing.T) {
	g := newGate(1, time.Millisecond)
	leave, err := g.enter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.enter(context.Background())
	fe, ok := fault.As(err)
	if !ok || fe.Code != photo.ErrBusy.Code || fe.Status() != 503 || fe.RetryAfter != time.Second {
		t.Fatalf("with the slot held: %#v, want server_busy, 503, 1 s", err)
	}
	if fe := g.busy(photo.ErrBusy, nil); fe.RetryAfter != time.Second || fe.Body().Data["retry_after"] != 1 {
		t.Errorf("the pipeline's busy answer: %v, body %v", fe.RetryAfter, fe.Body())
	}
	if g.load() != (Load{Running: 1}) {
		t.Errorf("load %+v, want one running and none waiting", g.load())
	}
	leave()
	leave, err = g.enter(context.Background())
	if err != nil {
		t.Fatalf("after a release: %v", err)
	}
	leave()
}
