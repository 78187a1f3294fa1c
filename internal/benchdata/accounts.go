package benchdata

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/refdata"
	"github.com/haidian/fieldsync/internal/schema"
)

// Password is the password of every benchmark account, superuser included. The dataset is
// for measuring, never for real data.
const Password = "haidian-bench-2018"

// InspectorsPerSubdistrict is how many inspectors each subdistrict has, so that the simulated
// devices of a subdistrict belong to several people as they would in the field.
const InspectorsPerSubdistrict = 5

// SuperuserEmail is the district administrator who may change the settings (the batch API).
const SuperuserEmail = "admin@bench.fieldsync"

// InspectorEmail returns the sign-in of the n-th inspector (1-based) of subdistrict sd.
func InspectorEmail(sd, n int) string { return fmt.Sprintf("inspector%02d.%d@bench.fieldsync", sd, n) }

// SupervisorEmail returns the sign-in of the supervisor of subdistrict sd.
func SupervisorEmail(sd int) string { return fmt.Sprintf("supervisor%02d@bench.fieldsync", sd) }

// AgencyStaffEmail returns the sign-in of the staff member of the n-th agency.
func AgencyStaffEmail(n int) string { return fmt.Sprintf("agency%02d@bench.fieldsync", n) }

// InspectorID returns the record id of the n-th inspector of subdistrict sd.
func InspectorID(sd, n int) string { return userID(sd*10 + n) }

// SupervisorID returns the record id of the supervisor of subdistrict sd.
func SupervisorID(sd int) string { return userID(sd * 10) }

func userID(n int) string { return fmt.Sprintf("user%011d", n) }

// accounts creates the staff accounts and the superuser. Hashing a password with bcrypt takes
// tens of milliseconds, so it is done once and the hash is reused: every account gets the
// same, valid hash of Password.
func (g *generator) accounts() error {
	users, err := g.app.FindCachedCollectionByNameOrId(schema.Users)
	if err != nil {
		return fmt.Errorf("users collection: %w", err)
	}
	var hash string
	add := func(id, email string, n int, role access.Role, sd int, agency string) error {
		r := core.NewRecord(users)
		r.Id = id
		r.Load(map[string]any{"email": email, "name": personName(n), "role": string(role), "verified": true,
			"phone": fmt.Sprintf("010-8%07d", n)})
		if sd > 0 {
			r.Set("subdistricts", []string{refdata.SubdistrictID(sd)})
		}
		if agency != "" {
			r.Set("agency", agency)
		}
		if hash == "" {
			r.SetPassword(Password)
			if err := g.saveNow(r); err != nil {
				return err
			}
			hash = r.GetString("password:hash")
			return nil
		}
		r.SetRaw("password", &core.PasswordFieldValue{Hash: hash})
		return g.add(r)
	}
	for sd := 1; sd <= Subdistricts; sd++ {
		if err := add(SupervisorID(sd), SupervisorEmail(sd), sd*10, access.Supervisor, sd, ""); err != nil {
			return err
		}
		for n := 1; n <= InspectorsPerSubdistrict; n++ {
			if err := add(InspectorID(sd, n), InspectorEmail(sd, n), sd*10+n, access.Inspector, sd, ""); err != nil {
				return err
			}
		}
	}
	for i, ag := range refdata.Agencies() {
		if err := add(userID(1000+i+1), AgencyStaffEmail(i+1), 1000+i+1, access.AgencyStaff, 0, ag.ID); err != nil {
			return err
		}
	}
	supers, err := g.app.FindCachedCollectionByNameOrId(core.CollectionNameSuperusers)
	if err != nil {
		return fmt.Errorf("superusers collection: %w", err)
	}
	admin := core.NewRecord(supers)
	admin.SetEmail(SuperuserEmail)
	admin.SetRaw("password", &core.PasswordFieldValue{Hash: hash})
	return g.add(admin)
}
