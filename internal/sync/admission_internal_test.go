package sync

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestAdmission_RetryAfter: a refused push is told the time until the queue would fit the
// bound, at least a tenth of the bound and a second, at most five minutes.
func TestAdmission_RetryAfter(t *testing.T) {
	for _, c := range []struct {
		bound, expected, want time.Duration
	}{
		{30 * time.Second, 31 * time.Second, 3 * time.Second},
		{30 * time.Second, 75 * time.Second, 45 * time.Second},
		{30 * time.Second, time.Hour, 5 * time.Minute},
		{time.Nanosecond, 5 * time.Millisecond, time.Second},
	} {
		if got := newAdmission(c.bound, time.Now).retryAfter(c.expected); got != c.want {
			t.Errorf("bound %s, expected wait %s: Retry-After %s, want %s", c.bound, c.expected, got, c.want)
		}
	}
}

// TestAdmission_BookingExpires: the place of a push turned away counts in the waits of later
// pushes until it expires; then a later push of the same phone is judged as new.
func TestAdmission_BookingExpires(t *testing.T) {
	clock := time.Date(2018, 5, 2, 18, 0, 0, 0, time.UTC)
	a := newAdmission(time.Second, func() time.Time { return clock })
	ctx := context.Background()
	done, _, err := a.admit(ctx, "first", 1000) // at the assumed 500/s: 2 s, over the bound
	if err != nil {
		t.Fatal(err)
	}
	defer done(0)
	_, _, err = a.admit(ctx, "second", 10)
	var busy *BusyError
	if !errors.As(err, &busy) || busy.RetryAfterSeconds() != 1 {
		t.Fatalf("second push: %v", err)
	}
	if q := a.length(); q.Booked != 1 || a.expectedWait() != 2020*time.Millisecond {
		t.Fatalf("after the refusal: %+v, expected wait %s", q, a.expectedWait())
	}
	clock = clock.Add(12 * time.Second) // past 1.5 × 1 s + 10 s
	if q := a.length(); q.Booked != 0 || a.expectedWait() != 2*time.Second {
		t.Fatalf("after the booking expired: %+v, expected wait %s", q, a.expectedWait())
	}
	if _, _, err := a.admit(ctx, "second", 10); !errors.As(err, &busy) {
		t.Fatalf("the second phone, back after its booking expired, was let in: %v", err)
	}
}
