// Package fault is the error that reaches clients: a stable machine-readable code they can act
// on, a kind that says which HTTP status fits, and a message in Chinese and English.
package fault

import (
	"errors"
	"math"
	"net/http"
	"time"
)

// Kind classifies an error the way a client must react to it.
type Kind int

// The kinds of error.
const (
	Invalid    Kind = iota // the request is malformed or breaks a rule: fix it, do not retry
	Permission             // the caller may not do this
	NotExist               // nothing there, or nothing the caller may see
	Conflict               // the request disagrees with the server's state
	TooLarge               // the request is bigger than the server accepts
	Internal               // the server failed; retry later
	TooMany                // the caller sent too many requests: retry after a while
	Busy                   // the server has too much work queued: retry after the wait it gives
)

// Error is a client-facing error.
type Error struct {
	Kind Kind
	Code string
	ZH   string
	EN   string
	// Fields maps the fields a validation refused to their codes, when there are any.
	Fields map[string]string
	// RetryAfter, when positive, is how long the client should wait before it sends the
	// request again (a Busy error's wait). The answer carries it in whole seconds, rounded
	// up, in data.retry_after (Body), and the route sets the Retry-After header from the
	// same RetryAfterSeconds: a page of another origin cannot read Retry-After.
	RetryAfter time.Duration
	Err        error // the underlying cause, never shown to clients
}

// New returns an error of kind with a code and its two messages.
func New(kind Kind, code, zh, en string) *Error {
	return &Error{Kind: kind, Code: code, ZH: zh, EN: en}
}

// Error returns the bilingual message.
func (e *Error) Error() string { return e.Message() }

// Message is the text people read: Chinese, then English. A message that came already
// bilingual from elsewhere (a validation error) is kept in ZH with EN empty.
func (e *Error) Message() string {
	if e.EN == "" {
		return e.ZH
	}
	return e.ZH + " / " + e.EN
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Wrap returns a copy of e with cause err.
func (e *Error) Wrap(err error) *Error {
	c := *e
	c.Err = err
	return &c
}

// After returns a copy of e telling the client to wait d before it retries.
func (e *Error) After(d time.Duration) *Error {
	c := *e
	c.RetryAfter = d
	return &c
}

// RetryAfterSeconds is RetryAfter in whole seconds, rounded up; 0 when there is no wait.
func (e *Error) RetryAfterSeconds() int {
	if e.RetryAfter <= 0 {
		return 0
	}
	return int(math.Ceil(e.RetryAfter.Seconds()))
}

// Status returns the HTTP status that fits the kind.
func (e *Error) Status() int {
	switch e.Kind {
	case Invalid:
		return http.StatusBadRequest
	case Permission:
		return http.StatusForbidden
	case NotExist:
		return http.StatusNotFound
	case Conflict:
		return http.StatusConflict
	case TooLarge:
		return http.StatusRequestEntityTooLarge
	case TooMany:
		return http.StatusTooManyRequests
	case Busy:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var fe *Error
	ok := errors.As(err, &fe)
	return fe, ok
}

// Body is the JSON shape of every error fieldsync's own routes answer: PocketBase's status,
// message and data, plus the stable code; data holds the refused fields' codes, if any. It is
// a struct, not a map, so that its keys keep one order: PocketBase encodes maps in no fixed
// order, and two answers that must be identical (a hidden record and a missing one) would
// differ byte for byte.
type Body struct {
	Status  int            `json:"status"`
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Data    map[string]any `json:"data"`
}

// Body returns e as the body of an error answer.
func (e *Error) Body() Body {
	data := map[string]any{}
	if len(e.Fields) > 0 {
		data["fields"] = e.Fields
	}
	if s := e.RetryAfterSeconds(); s > 0 {
		data["retry_after"] = s
	}
	return Body{Status: e.Status(), Code: e.Code, Message: e.Message(), Data: data}
}
