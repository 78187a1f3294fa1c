package blobs

import (
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// Completion is what the last chunk of an upload did, left on its request for the server's
// metrics (internal/ops reads it with CompletionOf once the answer is written).
type Completion struct {
	// Elapsed runs from the last byte received to the outcome: waiting for a decode slot,
	// verifying, decoding, deriving the smaller images, writing them and recording the blob.
	Elapsed time.Duration
	// Err is nil when the photo was stored; a *fault.Error when it was refused.
	Err error
}

const completionKey = "fieldsync.blobs.completion"

// CompletionOf returns the completion an upload's last chunk left on e.
func CompletionOf(e *core.RequestEvent) (Completion, bool) {
	c, ok := e.Get(completionKey).(Completion)
	return c, ok
}
