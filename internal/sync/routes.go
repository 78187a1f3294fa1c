package sync

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/schema"
)

// routes mounts the protocol under /api/sync/v1. Every route needs a staff user's token;
// superusers do not sync.
func (s *Service) routes(se *core.ServeEvent) {
	se.Router.BindFunc(s.refuseRevoked)
	g := se.Router.Group("/api/sync/v1")
	g.Bind(apis.RequireAuth(schema.Users), apis.BodyLimit(s.cfg.MaxBodyBytes))
	g.POST("/clients", s.handleClients)
	g.POST("/pull", s.handlePull)
	g.POST("/push", s.handlePush)
	g.POST("/issues/{id}/resolve", s.handleResolve)
	se.Router.POST("/api/fs/commands", s.handleCommand).Bind(apis.RequireAuth(schema.Users))
}

func (s *Service) handleCommand(e *core.RequestEvent) error {
	var req CommandRequest
	if _, err := decode(e, &req); err != nil {
		return writeError(e, err)
	}
	rec, err := s.RunCommand(e.Auth, req)
	if err != nil {
		return writeError(e, err)
	}
	return e.JSON(http.StatusOK, rec)
}

// ClientHeader names the installation on every request a phone app makes, sync or not, so
// that a revoked device is refused everywhere, not only on the sync routes.
const ClientHeader = "X-Fieldsync-Client"

func (s *Service) refuseRevoked(e *core.RequestEvent) error {
	id := e.Request.Header.Get(ClientHeader)
	if id == "" {
		return e.Next()
	}
	var revoked bool
	err := e.App.DB().Select("revoked").From(schema.SyncClients).
		Where(dbx.HashExp{"client_id": id}).Row(&revoked)
	if err == nil && revoked {
		return writeError(e, errClientRevoked)
	}
	return e.Next()
}

// errorBody is the shape of every error the protocol returns (fault.Body).
type errorBody = fault.Body

// writeError answers err: a fault as it says, a validation failure as 400 with its field
// codes, anything else as a logged 500 that reveals nothing.
func writeError(e *core.RequestEvent, err error) error {
	if fields, msg, ok := validationFields(err); ok {
		if _, isFault := fault.As(err); !isFault {
			err = &fault.Error{Kind: fault.Invalid, Code: "validation_failed", ZH: msg, Fields: fields, Err: err}
		}
	}
	fe, ok := fault.As(err)
	if !ok {
		e.App.Logger().Error("sync request failed", "path", e.Request.URL.Path, "error", err)
		fe = fault.New(fault.Internal, "internal", "服务器内部错误，请稍后重试", "internal error; retry later")
	}
	return e.JSON(fe.Status(), fe.Body())
}

var (
	errBadJSON  = fault.New(fault.Invalid, "bad_json", "请求内容不是有效的 JSON", "the body is not valid JSON")
	errTooLarge = fault.New(fault.TooLarge, "body_too_large", "请求内容过大，请分批发送", "the body is too large; send it in smaller batches")
)

// decode reads the whole body into dst and returns the raw bytes, for the journal.
func decode(e *core.RequestEvent, dst any) ([]byte, error) {
	raw, err := io.ReadAll(e.Request.Body)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, errTooLarge.Wrap(err)
	}
	if err != nil {
		return nil, errBadJSON.Wrap(err)
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return raw, errBadJSON.Wrap(err)
	}
	return raw, nil
}

func (s *Service) handleClients(e *core.RequestEvent) error {
	var req ClientRequest
	if _, err := decode(e, &req); err != nil {
		return writeError(e, err)
	}
	res, err := s.RegisterClient(e.Auth, req)
	if err != nil {
		return writeError(e, err)
	}
	if err := s.handOut(req.ClientID, res.Scopes); err != nil {
		return writeError(e, err)
	}
	return e.JSON(http.StatusOK, res)
}

func (s *Service) handlePull(e *core.RequestEvent) error {
	var req PullRequest
	if _, err := decode(e, &req); err != nil {
		return writeError(e, err)
	}
	if _, err := s.client(e.Auth, req.ClientID); err != nil {
		return writeError(e, err)
	}
	res, err := s.Pull(access.ActorFromAuth(e.Auth), req)
	if err != nil {
		return writeError(e, err)
	}
	if err := s.handOut(req.ClientID, res.downloads()); err != nil {
		return writeError(e, err)
	}
	tallyPull(e, res)
	return writePull(e, http.StatusOK, res)
}

// gapBody answers a push whose mids skip ahead of the server's.
type gapBody struct {
	errorBody
	ExpectedMID int64             `json:"expected_mid"`
	Results     []json.RawMessage `json:"results"`
	LastMID     int64             `json:"last_mid"`
}

func (s *Service) handlePush(e *core.RequestEvent) error {
	var req PushRequest
	raw, err := decode(e, &req)
	if err != nil {
		return writeError(e, err)
	}
	client, err := s.client(e.Auth, req.ClientID)
	if err != nil {
		return writeError(e, err)
	}
	done, wait, err := s.pushes.admit(e.Request.Context(), client.Id, s.newMutations(client, req))
	if err != nil {
		tallyPush(e, req, nil, wait)
		return writeBusy(e, err)
	}
	defer done(0) // the turn ends however the push ends, a panic included; done below ends it first
	res, err := s.Push(e.Auth, client, req)
	tallyPush(e, req, res, wait)
	status, body := http.StatusOK, any(res)
	var gap *GapError
	switch {
	case errors.As(err, &gap):
		status = http.StatusConflict
		body = gapBody{
			errorBody: errorBody{Status: status, Code: "mid_gap", Data: map[string]any{},
				Message: "变更编号不连续，请从 expected_mid 起重新推送 / mids skip ahead; resend from expected_mid"},
			ExpectedMID: gap.Expected, Results: gap.Results, LastMID: res.LastMID,
		}
	case err != nil:
		fe, ok := fault.As(err)
		if !ok {
			fe = fault.New(fault.Internal, "internal", "服务器内部错误，请稍后重试", "internal error; retry later")
			e.App.Logger().Error("sync push failed", "client", req.ClientID, "error", err)
		}
		status = fe.Status()
		body = fe.Body()
	}
	out, merr := json.Marshal(body)
	if merr != nil {
		return writeError(e, merr)
	}
	if jerr := s.appendJournal(journalEntry{ClientID: req.ClientID, User: e.Auth.Id, SentAt: req.SentAt,
		Payload: raw, Response: out}); jerr != nil {
		e.App.Logger().Error("sync journal append failed", "client", req.ClientID, "error", jerr)
	}
	// The turn ends after the journal, which takes the writer too, and before the answer is
	// written, which a slow phone could make wait.
	done(res.decidedCount())
	return e.Blob(status, "application/json", out)
}

// newMutations counts the mutations of req the client's stored last mid does not cover yet:
// the work the push will ask of the writer. Repeats are answered from the store, and a push
// over the size limit is refused without writing, so neither needs the writer's turn.
func (s *Service) newMutations(client *core.Record, req PushRequest) int {
	if len(req.Mutations) > s.cfg.MaxMutations {
		return 0
	}
	last, n := int64(client.GetInt("last_mid")), 0
	for _, m := range req.Mutations {
		if m.MID > last {
			n++
		}
	}
	return n
}

// writeBusy answers a push that did not get the writer's turn: 503 sync_busy, with the wait
// in whole seconds both in Retry-After and in the body's data.retry_after (a browser's script
// reads no Retry-After from another origin). A push whose phone gave up while it waited
// gets the same answer, which nobody reads.
func writeBusy(e *core.RequestEvent, err error) error {
	body := errSyncBusy.Body()
	var busy *BusyError
	if errors.As(err, &busy) {
		secs := busy.RetryAfterSeconds()
		e.Response.Header().Set("Retry-After", strconv.Itoa(secs))
		body.Data["retry_after"] = secs
	}
	return e.JSON(body.Status, body)
}

// ResolveRequest is a decision on a sync issue.
type ResolveRequest struct {
	Decision string `json:"decision"`
}

func (s *Service) handleResolve(e *core.RequestEvent) error {
	var req ResolveRequest
	if _, err := decode(e, &req); err != nil {
		return writeError(e, err)
	}
	if req.Decision != Accept && req.Decision != Discard && req.Decision != Acknowledge {
		return writeError(e, errBadDecision)
	}
	issue, err := s.Resolve(e.Auth, e.Request.PathValue("id"), req.Decision)
	if err != nil {
		return writeError(e, err)
	}
	return e.JSON(http.StatusOK, issue)
}
