package signin

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/fault"
)

// guard throttles the sign-in doors.
type guard struct {
	cfg Config
}

// passwordDoor guards auth-with-password of every auth collection. PocketBase triggers the
// hook for every well-formed attempt, with the record the identity names (nil for none),
// before it checks the password.
func (g *guard) passwordDoor(e *core.RecordAuthWithPasswordRequestEvent) error {
	a := account{collection: e.Collection.Id, label: e.Collection.Name + " (unknown account)"}
	if e.Record != nil {
		a.record, a.label = e.Record.Id, e.Collection.Name+"/"+e.Record.Id
	} else {
		a.identity = strings.ToLower(e.Identity)
	}
	return g.guard(e.RequestEvent, a, e.Next)
}

// otpPattern is PocketBase's route of the one-time password sign-in. Its hook runs only after
// the password was checked, so this door is guarded by a middleware on the route instead.
const otpPattern = "POST /api/collections/{collection}/auth-with-otp"

// otpDoor guards auth-with-otp: the account is the record the one-time password was sent
// for. An unknown otpId is left to PocketBase, which refuses it.
func (g *guard) otpDoor(e *core.RequestEvent) error {
	if e.Request.Pattern != otpPattern {
		return e.Next()
	}
	var form struct {
		OTPId string `json:"otpId" form:"otpId"`
	}
	if err := e.BindBody(&form); err != nil || form.OTPId == "" {
		return e.Next()
	}
	otp, err := e.App.FindOTPById(form.OTPId)
	if err != nil {
		return e.Next()
	}
	a := account{collection: otp.CollectionRef(), record: otp.RecordRef(), label: otp.CollectionRef() + "/" + otp.RecordRef()}
	return g.guard(e, a, e.Next)
}

var errThrottled = fault.New(fault.TooMany, "signin_throttled",
	"该账号登录失败次数过多，请稍后再试", "too many failed sign-ins for this account; try again later")

// guard counts the attempt on a and runs it, or refuses it while a must wait. The attempt
// counts as a failure unless it succeeds, which clears the count.
func (g *guard) guard(e *core.RequestEvent, a account, attempt func() error) error {
	c, wait, err := g.cfg.admit(e.App, a)
	if err != nil {
		return e.InternalServerError("", err)
	}
	if wait > 0 {
		return throttled(e, wait)
	}
	if err := attempt(); err != nil {
		if c.Failures >= g.cfg.Free {
			e.App.Logger().Warn("sign-in failures: the account must wait", "account", a.label, "ip", e.RealIP(),
				"failures", c.Failures, "wait", c.Until.Sub(c.Last).String())
		}
		return err
	}
	if err := forgive(e.App, a); err != nil {
		e.App.Logger().Error("sign-in count not cleared", "account", a.label, "error", err)
	}
	return nil
}

// throttled answers 429 signin_throttled with the wait in Retry-After (whole seconds,
// rounded up) and in the body.
func throttled(e *core.RequestEvent, wait time.Duration) error {
	secs := int(math.Ceil(wait.Seconds()))
	e.Response.Header().Set("Retry-After", strconv.Itoa(secs))
	body := errThrottled.Body()
	body.Data["retry_after"] = secs
	return e.JSON(errThrottled.Status(), body)
}
