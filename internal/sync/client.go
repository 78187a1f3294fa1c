package sync

import (
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/schema"
)

// ClientRequest registers an installation of the phone app.
type ClientRequest struct {
	ClientID      string `json:"client_id"`
	AppVersion    string `json:"app_version"`
	SchemaVersion int    `json:"schema_version"`
}

// ClientResponse tells an installation where it stands and what the server accepts.
type ClientResponse struct {
	ClientID      string  `json:"client_id"`
	LastMID       int64   `json:"last_mid"`
	Scopes        []Scope `json:"scopes"`
	SchemaVersion int     `json:"schema_version"`
	Limits        Limits  `json:"limits"`
}

// Limits are the sizes a client must stay within.
type Limits struct {
	MaxMutations int   `json:"max_mutations"`
	MaxPullRows  int   `json:"max_pull_rows"`
	MaxBodyBytes int64 `json:"max_body_bytes"`
}

// SchemaVersion is the version of the synced record shapes; a client built for an older one
// learns it here and can refuse to sync until updated.
const SchemaVersion = 1

var (
	errClientRevoked = fault.New(fault.Permission, "client_revoked",
		"此设备已被停用，请联系管理员", "this device has been revoked; contact your administrator")
	errClientUnknown = fault.New(fault.Permission, "client_unknown",
		"设备未注册，请先注册", "unknown device; register it first")
	errClientTaken = fault.New(fault.Permission, "client_taken",
		"该设备编号属于其他用户", "this client id belongs to another user")
)

// RegisterClient creates or refreshes the installation of auth's user.
func (s *Service) RegisterClient(auth *core.Record, req ClientRequest) (*ClientResponse, error) {
	coll, err := s.app.FindCachedCollectionByNameOrId(schema.SyncClients)
	if err != nil {
		return nil, err
	}
	c, err := s.app.FindFirstRecordByData(coll, "client_id", req.ClientID)
	switch {
	case err != nil:
		c = core.NewRecord(coll)
		c.Set("client_id", req.ClientID)
		c.Set("user", auth.Id)
	case c.GetString("user") != auth.Id:
		return nil, errClientTaken
	case c.GetBool("revoked"):
		return nil, errClientRevoked
	}
	c.Set("app_version", req.AppVersion)
	c.Set("schema_version", req.SchemaVersion)
	access.Attribute(c, access.Attribution{Actor: access.ActorFromAuth(auth), Door: access.DoorSync, Trusted: true})
	if err := s.app.Save(c); err != nil {
		return nil, err
	}
	return &ClientResponse{
		ClientID: req.ClientID, LastMID: int64(c.GetInt("last_mid")),
		Scopes: ScopesOf(access.ActorFromAuth(auth)), SchemaVersion: SchemaVersion,
		Limits: Limits{MaxMutations: s.cfg.MaxMutations, MaxPullRows: s.cfg.MaxPullRows, MaxBodyBytes: s.cfg.MaxBodyBytes},
	}, nil
}

// client returns the registered, unrevoked installation clientID of auth's user.
func (s *Service) client(auth *core.Record, clientID string) (*core.Record, error) {
	c, err := s.app.FindFirstRecordByData(schema.SyncClients, "client_id", clientID)
	switch {
	case err != nil, c.GetString("user") != auth.Id:
		return nil, errClientUnknown
	case c.GetBool("revoked"):
		return nil, errClientRevoked
	}
	return c, nil
}
